//! The reader's side of the harness: its body on the real atomics, load
//! by load, each group of loads after the writers have reached the
//! schedule's position for it, judged by the one verdict rule.

use std::sync::atomic::Ordering::{Acquire, Relaxed, SeqCst};
use std::sync::atomic::fence;

use super::Replayed;
use super::atomics::fence_for;
use super::schedule::{At, Schedule, Take};
use super::writers::{Shared, Status};
use crate::error::{Error, Result};
use crate::protocol::program::{CExpr, Instr, LoadOrder, MAX_LOCALS, Node};
use crate::protocol::verdict;

/// The reader's side: its body on the real atomics, load by load, each
/// group after the writers have reached its position.
pub(super) fn reader(sh: &Shared<'_>, schedule: &Schedule) -> Result<Replayed> {
    let p = sh.protocol.program();
    let code = &p.reader.code;
    let file = &sh.protocol.file().raw;
    let eval = |e: &CExpr, locals: &[i128; MAX_LOCALS], window: u64| {
        e.eval_reader(locals, window)
            .map_err(|x| file.error(x.at, format!("reader: {}", x.msg)))
    };
    let mut locals = [0i128; MAX_LOCALS];
    let mut pc: Node = 0;
    let mut taken: Vec<Node> = Vec::new();
    let mut data = (0u64, 0u64);
    let mut first_version: Option<u64> = None;
    let mut last_version = 0u64;
    let mut first_cycle = 0u64;
    let mut gi = 0usize;
    let mut left_in_group: Option<Take> = None;
    let mut free = false; // blocked writer: finish without waiting
    let mut data_seen = false;
    // window_cycles() (a ghost): cycles begun since the reader's first
    // load; the writers stand at the current target while the reader runs.
    let begun = |at: At| at.cycles + u64::from(at.events > 0);
    let window = |sh: &Shared<'_>, first: u64| -> u64 { begun(sh.target()).saturating_sub(first) };
    let outcome = loop {
        match &code[pc as usize] {
            Instr::Load { .. } | Instr::DataLoad { .. } => {
                // Which group this load belongs to; wait for its position.
                loop {
                    if free {
                        break;
                    }
                    match left_in_group {
                        Some(Take::Count(0)) | None => {
                            let Some(g) = schedule.groups.get(gi) else {
                                // Beyond the schedule: take the rest now.
                                free = true;
                                break;
                            };
                            gi += 1;
                            sh.retarget(g.at);
                            if sh.wait_reached(g.at)? == Status::Blocked {
                                free = true;
                            }
                            left_in_group = Some(g.loads);
                        }
                        Some(Take::Begin) if data_seen => {
                            left_in_group = Some(Take::Count(0));
                        }
                        _ => break,
                    }
                }
                if first_version.is_none() {
                    sh.in_flight.fetch_add(1, SeqCst);
                    fence(SeqCst);
                    first_version = Some(sh.data.load(Relaxed));
                    first_cycle = begun(sh.target());
                }
                taken.push(pc);
                match code[pc as usize] {
                    Instr::Load {
                        dst,
                        word,
                        order,
                        next,
                        ..
                    } => {
                        let v = sh.words[word as usize].load(match order {
                            LoadOrder::Acquire => Acquire,
                            LoadOrder::Once => Relaxed,
                        });
                        locals[dst as usize] = i128::from(v);
                        pc = next;
                    }
                    Instr::DataLoad { second, next } => {
                        let v = sh.data.load(Relaxed);
                        if second {
                            data.1 = v;
                        } else {
                            data.0 = v;
                            data_seen = true;
                        }
                        pc = next;
                    }
                    _ => unreachable!(),
                }
                last_version = sh.data.load(Relaxed);
                if let Some(Take::Count(n)) = &mut left_in_group {
                    *n = n.saturating_sub(1);
                }
            }
            Instr::Assign { dst, value, next } => {
                locals[*dst as usize] = eval(value, &locals, window(sh, first_cycle))?;
                pc = *next;
            }
            Instr::Fence { kind, next } => {
                fence_for(*kind);
                pc = *next;
            }
            Instr::Branch { cond, then, els } => {
                pc = if eval(cond, &locals, window(sh, first_cycle))? != 0 {
                    *then
                } else {
                    *els
                };
            }
            Instr::Return(k) => break verdict(*k, data.0 != data.1),
            other => {
                return Err(Error::Run(format!(
                    "internal: reader instruction {other:?}"
                )));
            }
        }
    };
    sh.in_flight.fetch_add(1, SeqCst);
    // Let the writers finish what the schedule asked (a grace period that
    // waited is over now).
    let end = schedule.groups.last().map(|g| g.at).unwrap_or(At {
        cycles: 0,
        events: 0,
    });
    let followed = schedule.expect_nodes.is_empty() || schedule.expect_nodes == taken;
    let writer_cycles = {
        sh.retarget(end);
        let _ = sh.wait_reached(end);
        sh.lock
            .try_lock()
            .map(|g| g.at.cycles)
            .unwrap_or(end.cycles)
    };
    Ok(Replayed {
        schedule: schedule.what.clone(),
        outcome,
        window_cycles: last_version - first_version.unwrap_or(0),
        writer_cycles,
        data,
        grace_period_waited: sh.grace_waited.load(SeqCst),
        followed,
        seconds: 0.0,
    })
}
