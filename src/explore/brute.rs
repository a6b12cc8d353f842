//! Brute mode: every move of every thread, one at a time.
//!
//! States where more than one move leads to a live state are *choice
//! points*, deduplicated by exact (canonical) state. Between them the run
//! is forced — typically the writer cycling while the reader's only move
//! would end its speculation — and such a chain is walked without storing
//! it: every move that ends the speculation is still evaluated at every
//! step, so nothing is skipped. A chain that comes back to a state it has
//! been in is cut, found in O(1) memory by Brent's algorithm (a power-of-
//! two checkpoint). This is what lets `plain` at 32 bits be walked through
//! all 2^31 cycles.

use super::machine::{Machine, Move};
use super::search::{PathItem, Search, Step};
use super::state::State;
use crate::error::Result;
use crate::protocol::Outcome;

use super::progress::Meter;

/// May a forced writer move start the fast path? Under SC and TSO, with
/// templated cycles (the writer's shape is understood) and a reader in the
/// accelerated shape (its moves depend on a loaded value only through
/// equalities and low bits). Not when the writer's total is capped
/// (`--writer-cycles K`): the fast path does not count cycles, and once ran
/// a capped writer past its cap into a false positive no K-cycle run has.
fn fast_ok(m: &Machine<'_>, mv: &Move) -> bool {
    matches!(mv, Move::Writer(_))
        && m.cycle_cap().is_none()
        && !m.model.reorders_loads()
        && m.cycles.templated()
        && m.shape.reader.outside.is_none()
}

/// Explore every interleaving, move by move.
pub(crate) fn run<const R: usize>(
    m: &Machine<'_>,
    search: &mut Search<R>,
    meter: &mut Meter,
) -> Result<()> {
    let mut moves = Vec::new();
    while let Some(id) = search.pop() {
        meter.tick(search.nodes[id].cost, search.states);
        walk(m, search, id, &mut moves, meter)?;
        if search.cut.is_some() {
            break;
        }
    }
    Ok(())
}

/// Forced writer moves not yet recorded as a step.
#[derive(Clone)]
struct Run<const R: usize> {
    before: Option<State<R>>,
    moves: u64,
    cycles: u128,
}

impl<const R: usize> Run<R> {
    fn new() -> Self {
        Run {
            before: None,
            moves: 0,
            cycles: 0,
        }
    }

    fn extend(&mut self, st: &State<R>, dc: u128) {
        if self.before.is_none() {
            self.before = Some(*st);
        }
        self.moves += 1;
        self.cycles += dc;
    }

    /// Close the run at `st` into `chain`. Short runs become single moves
    /// (a trace prints them one by one); long ones keep their end states.
    fn flush(&mut self, chain: &mut Vec<PathItem<R>>, st: &State<R>, cost: u128) {
        if let Some(before) = self.before.take() {
            chain.push(PathItem {
                step: Step::Run {
                    moves: self.moves,
                    cycles: self.cycles,
                },
                cost_after: cost,
                run_states: Some(Box::new((before, *st))),
            });
            self.moves = 0;
            self.cycles = 0;
        }
    }
}

/// Walk from node `id` until a choice point, a dead end, a cycle, the
/// bound, or a cost that cannot beat the best false positive.
fn walk<const R: usize>(
    m: &Machine<'_>,
    search: &mut Search<R>,
    id: usize,
    moves: &mut Vec<Move>,
    meter: &mut Meter,
) -> Result<()> {
    let mut st = search.state(id);
    let mut cost = search.nodes[id].cost;
    let mut chain: Vec<PathItem<R>> = Vec::new();
    let mut run = Run::<R>::new();
    // Brent's cycle detection on the forced chain.
    let mut checkpoint = st;
    let mut power: u64 = 1;
    let mut lam: u64 = 0;
    let mut live_next: Vec<(Move, State<R>, u128)> = Vec::with_capacity(8);
    loop {
        search.states += 1;
        if search.states & 0xF_FFFF == 0 {
            meter.tick(cost, search.states);
            if search.over_limits() {
                return Ok(());
            }
        }
        m.moves(&st, moves)?;
        live_next.clear();
        for &mv in moves.iter() {
            let mut s2 = st;
            let (dc, alive) = m.apply(&mut s2, mv)?;
            if !alive {
                continue;
            }
            match Machine::outcome(&s2) {
                Some(Outcome::FalsePositive) => {
                    let c = cost + dc;
                    if search.worth(c) && !search.over_bound(c) {
                        let mut seg = chain.clone();
                        run.clone().flush(&mut seg, &st, cost);
                        search.found(id, &seg, PathItem::new(Step::Move(mv), c), c);
                    }
                }
                Some(_) => {}
                None => live_next.push((mv, s2, dc)),
            }
        }
        match live_next.len() {
            0 => return Ok(()),
            1 => {
                if fast_ok(m, &live_next[0].0) {
                    let at = st;
                    match fast::forward(m, search, id, &mut st, &mut cost, &chain, &mut run, meter)?
                    {
                        fast::End::Done => return Ok(()),
                        // It stepped: look at the new state afresh.
                        fast::End::Slow if st != at => continue,
                        // It could not start: take this step the slow way.
                        fast::End::Slow => {}
                    }
                }
                let (mv, s2, dc) = live_next[0];
                let before = st;
                st = s2;
                cost += dc;
                if search.over_bound(cost) || !search.worth(cost) {
                    return Ok(());
                }
                if matches!(mv, Move::Writer(_)) {
                    run.extend(&before, dc);
                    if st == checkpoint {
                        return Ok(()); // the forced run came back: nothing new
                    }
                    lam += 1;
                    if lam == power {
                        checkpoint = st;
                        power = power.saturating_mul(2);
                        lam = 0;
                    }
                } else {
                    run.flush(&mut chain, &before, cost - dc);
                    chain.push(PathItem::new(Step::Move(mv), cost));
                    // A reader move changes the state for good: restart
                    // the cycle detection.
                    checkpoint = st;
                    power = 1;
                    lam = 0;
                }
                // Forced runs from different nodes often merge; at each
                // cycle boundary, stop where a node at no greater cost
                // covers the rest.
                if st.view.done == 0 {
                    if search.known(&st, cost) {
                        return Ok(());
                    }
                    search.pass(&st, cost);
                }
            }
            _ => {
                run.flush(&mut chain, &st, cost);
                for (mv, s2, dc) in live_next.drain(..) {
                    search.offer(
                        id,
                        &chain,
                        PathItem::new(Step::Move(mv), cost + dc),
                        s2,
                        cost + dc,
                    );
                }
                return Ok(());
            }
        }
    }
}

/// The fast path of a forced run: the writer steps while every reader's
/// only move stays a dead end. Each reader's reaction to the value its move
/// would load is tabulated once (it depends on the value only through the
/// values the reader holds or compares with and its low bits), so a step
/// costs a template lookup and a few comparisons instead of a trial move;
/// every step is still taken and every reader move still evaluated. Long
/// runs are walked in blocks on two cores: the second block starts from the
/// first's start jumped by the block's length in O(1), and when the first
/// ends its state must equal that jumped state — stepping and jumping are
/// checked against each other on every block.
mod fast {
    use super::{PathItem, Run, Search, Step};
    use crate::error::Result;
    use crate::explore::cycle::EvKind;
    use crate::explore::machine::{Machine, Move};
    use crate::explore::progress::Meter;
    use crate::explore::state::{State, flags};
    use crate::protocol::Outcome;
    use crate::protocol::program::{Instr, MAX_LOCALS, MAX_WORDS};

    /// How the fast path ended.
    pub(super) enum End {
        /// The walk is over (a cycle, a bound, a false positive that ends
        /// the worth of going on).
        Done,
        /// Something else than a plain forced writer step came up: the slow
        /// walker takes over from the current state.
        Slow,
    }

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Kind {
        Dead,
        Fp,
        Live,
    }

    struct Reaction {
        word: usize,
        specials: Vec<(u64, Kind)>,
        classes: Vec<Kind>,
        stride_mask: u64,
        mv: Move,
    }

    impl Reaction {
        #[inline]
        fn kind(&self, v: u64) -> Kind {
            for &(s, k) in &self.specials {
                if s == v {
                    return k;
                }
            }
            self.classes[(v & self.stride_mask) as usize]
        }
    }

    fn trial<const R: usize>(
        m: &Machine<'_>,
        st: &State<R>,
        mv: Move,
        word: usize,
        v: u64,
    ) -> Result<Kind> {
        let mut s2 = *st;
        s2.view.vis[word] = v;
        let (_, alive) = m.apply(&mut s2, mv)?;
        if !alive {
            return Ok(Kind::Dead);
        }
        Ok(match Machine::outcome(&s2) {
            Some(Outcome::FalsePositive) => Kind::Fp,
            Some(_) => Kind::Dead,
            None => Kind::Live,
        })
    }

    /// Each reader's reaction, or `None` when one does not fit the table.
    fn reactions<const R: usize>(m: &Machine<'_>, st: &State<R>) -> Result<Option<Vec<Reaction>>> {
        let mut out = Vec::new();
        let u = &m.shape.reader;
        let code = &m.program().reader.code;
        for (i, rs) in st.readers.iter().enumerate() {
            if rs.has(flags::DONE) {
                continue;
            }
            let mut mv = Vec::new();
            m.reader_moves(rs, i as u8, &mut mv);
            let [mv] = mv[..] else { return Ok(None) };
            let mut probe = *st;
            let mut log = Some(Vec::new());
            m.apply_logged(&mut probe, mv, &mut log)?;
            let words: Vec<usize> = log
                .unwrap_or_default()
                .iter()
                .filter_map(|(n, _, _)| match code[*n as usize] {
                    Instr::Load { word, .. } => Some(word as usize),
                    _ => None,
                })
                .collect();
            let [word] = words[..] else { return Ok(None) };
            let stride = u.mask_stride[word];
            if stride == 0 || stride > 64 || !stride.is_power_of_two() {
                return Ok(None);
            }
            let mut special_values: Vec<u64> = u.word_consts[word].clone();
            let live = m.live_at(rs.pc);
            for l in 0..MAX_LOCALS.min(u.local_word.len()) {
                if u.local_word[l] == Some(word as u8) && live & (1 << l) != 0 {
                    special_values.push(rs.locals[l] as u64);
                }
            }
            special_values.sort_unstable();
            special_values.dedup();
            let mut specials = Vec::new();
            for &v in &special_values {
                specials.push((v, trial(m, st, mv, word, v)?));
            }
            let max = m.bits()[word];
            let mut classes = Vec::new();
            for r in 0..stride {
                let mut v = r;
                while special_values.contains(&v) {
                    v += stride;
                }
                if max < 64 && v >> max != 0 {
                    return Ok(None);
                }
                classes.push(trial(m, st, mv, word, v)?);
            }
            out.push(Reaction {
                word,
                specials,
                classes,
                stride_mask: stride - 1,
                mv,
            });
        }
        Ok(Some(out))
    }

    /// Does canonicalization do nothing inside this run? It translates a
    /// symmetric word by reader 0's value of it; that value is 0 once
    /// translated, as long as reader 0 holds one.
    fn anchored<const R: usize>(m: &Machine<'_>, st: &State<R>) -> bool {
        let r0 = &st.readers[0];
        let u = &m.shape.reader;
        let live = m.live_at(r0.pc);
        m.symmetry.iter().all(|&(w, _)| {
            !r0.has(flags::DONE)
                && (0..MAX_LOCALS.min(u.local_word.len()))
                    .any(|l| u.local_word[l] == Some(w) && live & (1 << l) != 0)
        })
    }

    /// What one step did.
    enum Stepped {
        /// A plain step: the reaction table still holds.
        Plain,
        /// A reader's state changed (dirty data, a window count).
        Readers,
        /// The writer cannot go on alone (a grace period waits for a reader).
        Blocked,
    }

    /// One forced writer step under SC/TSO (the next event of the cycle).
    #[inline]
    fn step<const R: usize>(
        m: &Machine<'_>,
        st: &mut State<R>,
        canon: bool,
    ) -> Result<(u128, Stepped)> {
        let t = m.cycles.get(st.view.path, &st.view.start)?;
        let j = st.view.done.trailing_ones() as usize;
        let ev = t.ev[j];
        let mut changed = false;
        let mut cost = 0;
        let first = st.view.done == 0;
        match ev.kind {
            EvKind::Store(w) => {
                st.view.vis[w as usize] = t.value(j, &st.view.start, m.bits());
            }
            EvKind::Modify => {
                if st.readers[0].in_window() {
                    cost = 1;
                }
                for rd in st.readers.iter_mut() {
                    if rd.flags & (flags::DATA | flags::DIRTY) == flags::DATA {
                        rd.flags |= flags::DIRTY;
                        changed = true;
                    }
                }
            }
            EvKind::Gp => {
                if st.readers.iter().any(|r| r.in_window()) {
                    return Ok((0, Stepped::Blocked));
                }
            }
        }
        if first && m.window_cap() > 0 {
            for rd in st.readers.iter_mut().filter(|r| r.in_window()) {
                let w = (rd.window + 1).min(m.window_cap());
                if w != rd.window {
                    rd.window = w;
                    changed = true;
                }
            }
        }
        st.view.done |= 1 << j;
        if st.view.done == t.all {
            st.view.start = st.view.vis;
            st.view.done = 0;
            st.view.path = m.path_of(&st.view.start);
            if canon {
                m.canonicalize(st);
            }
        }
        Ok((
            cost,
            if changed {
                Stepped::Readers
            } else {
                Stepped::Plain
            },
        ))
    }

    /// Cycles a block walks (each of the two cores).
    const BLOCK_CYCLES: u128 = 1 << 21;
    /// The shortest block worth a second thread.
    const MIN_BLOCK_CYCLES: u128 = 1 << 12;
    /// Blocks start only after this many plain forced steps.
    const BLOCKS_AFTER: u64 = 1 << 22;

    /// Walk `cycles` whole cycles from boundary state `st` with no reader
    /// reaction other than a dead end, no reader change and no repeated
    /// view; `None` as soon as anything else shows up. The inner loop of
    /// brute mode at 32 bits: one template per cycle, a few comparisons per
    /// event.
    fn block<const R: usize>(
        m: &Machine<'_>,
        mut st: State<R>,
        mut cost: u128,
        cycles: u128,
        table: &[Reaction],
        canon: bool,
        limit: (Option<u128>, Option<u128>),
    ) -> Option<(State<R>, u128, u64)> {
        debug_assert_eq!(st.view.done, 0, "blocks start at a cycle boundary");
        let start_words = st.view.start;
        let in_window0 = st.readers[0].in_window();
        let in_flight = st.readers.iter().any(|r| r.in_window());
        let arms_dirty = st
            .readers
            .iter()
            .any(|r| r.flags & (flags::DATA | flags::DIRTY) == flags::DATA);
        let counts_window = m.window_cap() > 0
            && st
                .readers
                .iter()
                .any(|r| r.in_window() && r.window < m.window_cap());
        if counts_window {
            return None;
        }
        // Which word the readers watch, and the values of it that would be
        // anything but a dead end (the block stops there and the
        // sequential walker takes the step).
        let mut watch = [false; MAX_WORDS];
        let mut stop: Vec<u64> = Vec::new();
        for r in table {
            if r.classes.iter().any(|k| *k != Kind::Dead) {
                return None;
            }
            watch[r.word] = true;
            stop.extend(
                r.specials
                    .iter()
                    .filter(|(_, k)| *k != Kind::Dead)
                    .map(|(v, _)| *v),
            );
        }
        let (max_cycles, best) = limit;
        // The highest cost still worth walking.
        let ceiling = max_cycles
            .unwrap_or(u128::MAX)
            .min(best.map_or(u128::MAX, |b| b.saturating_sub(1)));
        // Each path's cycle, summed up: its stores (word, relative?, offset,
        // mask), its modifications, whether it has a grace period, and its
        // event count. Inside a block the order of a cycle's events does not
        // matter: any of them that is not plain stops the block.
        type Flat = (Vec<(usize, bool, u64, u64)>, u128, bool, u64);
        let bits = *m.bits();
        let mut flat: Vec<Option<Flat>> = Vec::new();
        let mut steps = 0u64;
        let paths = m.shape.paths.as_ref().ok()?;
        let nw = m.nwords();
        let mut bx = paths.get(st.view.path as usize)?.bx;
        let mut start = st.view.start;
        let mut vis = start;
        let mut path = st.view.path;
        for _ in 0..cycles {
            let p = path as usize;
            if flat.len() <= p {
                flat.resize(p + 1, None);
            }
            if flat[p].is_none() {
                let t = m.cycles.get(path, &start).ok()?;
                let mut stores = Vec::new();
                let (mut mods, mut gp) = (0u128, false);
                for e in &t.ev {
                    match (e.kind, e.value) {
                        (EvKind::Store(w), crate::protocol::shape::Sym::Rel(src, c))
                            if src == w =>
                        {
                            stores.push((
                                w as usize,
                                true,
                                c as u64,
                                crate::width::mask(bits[w as usize]),
                            ))
                        }
                        (EvKind::Store(w), crate::protocol::shape::Sym::Const(c)) => {
                            stores.push((w as usize, false, c as u64, 0))
                        }
                        (EvKind::Store(_), _) => return None,
                        (EvKind::Modify, _) => mods += 1,
                        (EvKind::Gp, _) => gp = true,
                    }
                }
                flat[p] = Some((stores, mods, gp, t.ev.len() as u64));
            }
            let (stores, mods, gp, n) = flat[p].as_ref()?;
            if (*gp && in_flight) || (*mods > 0 && arms_dirty) {
                return None;
            }
            if in_window0 {
                cost += mods;
                if cost > ceiling {
                    return None;
                }
            }
            for &(w, rel, off, mask) in stores {
                let v = if rel {
                    start[w].wrapping_add(off) & mask
                } else {
                    off
                };
                vis[w] = v;
                if watch[w] && stop.contains(&v) {
                    return None;
                }
            }
            steps += n;
            start = vis;
            // The next cycle takes the same path while the words stay in
            // its box (a counter's carry, a wrap: rarely not).
            let inside = (0..nw).all(|w| bx[w].0 <= start[w] && start[w] <= bx[w].1);
            if !inside {
                path = m.path_of(&start);
                bx = paths.get(path as usize)?.bx;
            }
            if canon {
                st.view.start = start;
                st.view.vis = vis;
                st.view.path = path;
                m.canonicalize(&mut st);
                start = st.view.start;
                vis = st.view.vis;
                path = st.view.path;
            }
            if start == start_words {
                return None;
            }
        }
        st.view.start = start;
        st.view.vis = vis;
        st.view.path = path;
        Some((st, cost, steps))
    }

    /// Walk forced writer moves from `st` (whose one live move is a writer
    /// move) as long as every reader move stays a dead end.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn forward<const R: usize>(
        m: &Machine<'_>,
        search: &mut Search<R>,
        id: usize,
        st: &mut State<R>,
        cost: &mut u128,
        chain: &[PathItem<R>],
        run: &mut Run<R>,
        meter: &mut Meter,
    ) -> Result<End> {
        let Some(mut table) = reactions(m, st)? else {
            return Ok(End::Slow);
        };
        let mut canon = !anchored(m, st);
        let mut checkpoint = st.view;
        let mut power: u64 = 1;
        let mut lam: u64 = 0;
        let mut plain_steps: u64 = 0;
        let mut cost0 = *cost;
        loop {
            let before = *st;
            let (dc, what) = step(m, st, canon)?;
            let changed = match what {
                Stepped::Blocked => {
                    *st = before;
                    return Ok(End::Slow);
                }
                Stepped::Readers => true,
                Stepped::Plain => false,
            };
            *cost += dc;
            search.states += 1;
            plain_steps += 1;
            run.extend(&before, dc);
            if search.over_bound(*cost) || !search.worth(*cost) {
                return Ok(End::Done);
            }
            if changed {
                match reactions(m, st)? {
                    Some(t) => table = t,
                    None => return Ok(End::Slow),
                }
                canon = !anchored(m, st);
            }
            for r in &table {
                match r.kind(st.view.vis[r.word]) {
                    Kind::Dead => {}
                    Kind::Live => return Ok(End::Slow),
                    Kind::Fp => {
                        if search.worth(*cost) && !search.over_bound(*cost) {
                            let mut seg = chain.to_vec();
                            run.clone().flush(&mut seg, st, *cost);
                            search.found(id, &seg, PathItem::new(Step::Move(r.mv), *cost), *cost);
                        }
                    }
                }
            }
            if changed {
                // The readers moved on: restart the cycle detection.
                checkpoint = st.view;
                power = 1;
                lam = 0;
                continue;
            }
            if st.view.done != 0 {
                continue;
            }
            // At a cycle boundary: a repeated boundary means a repeated run.
            if st.view == checkpoint {
                return Ok(End::Done);
            }
            lam += 1;
            if lam == power {
                checkpoint = st.view;
                power = power.saturating_mul(2);
                lam = 0;
            }
            if search.bushy() {
                if search.known(st, *cost) {
                    return Ok(End::Done);
                }
                search.pass(st, *cost);
            }
            if search.states & 0xF_FFFF == 0 || search.states_left() == Some(0) {
                meter.tick(*cost, search.states);
                if search.over_limits() {
                    return Ok(End::Done);
                }
            }
            if plain_steps >= BLOCKS_AFTER && m.map().is_some() {
                // Steps a cycle takes on this stretch, to size the blocks
                // to what --max-states still allows.
                let per_cycle = (plain_steps as u128).div_ceil((*cost - cost0).max(1)) as u64;
                blocks(m, search, st, cost, run, &table, canon, meter, per_cycle);
                // Whatever stopped the blocks is near: walk it step by step.
                plain_steps = 0;
                cost0 = *cost;
                checkpoint = st.view;
                power = 1;
                lam = 0;
            }
        }
    }

    /// Walk two blocks at a time, one per core, while they complete.
    #[allow(clippy::too_many_arguments)]
    fn blocks<const R: usize>(
        m: &Machine<'_>,
        search: &mut Search<R>,
        st: &mut State<R>,
        cost: &mut u128,
        run: &mut Run<R>,
        table: &[Reaction],
        canon: bool,
        meter: &mut Meter,
        per_cycle: u64,
    ) {
        loop {
            // Two blocks must fit in what --max-states leaves; shorter
            // blocks than MIN_BLOCK_CYCLES are not worth a thread, and
            // stepping takes the rest up to the bound exactly.
            let n = match search.states_left() {
                None => BLOCK_CYCLES,
                Some(left) => BLOCK_CYCLES.min(u128::from(left / (2 * per_cycle.max(1)))),
            };
            if n < MIN_BLOCK_CYCLES {
                return;
            }
            let limit = (search.max_cycles, search.best.as_ref().map(|(b, _)| *b));
            let a_start = *st;
            let mut b_start = a_start;
            let jumped = m.jump(&mut b_start, n);
            let (ra, rb) = std::thread::scope(|s| {
                let hb = s.spawn(|| block(m, b_start, *cost + jumped, n, table, canon, limit));
                let ra = block(m, a_start, *cost, n, table, canon, limit);
                (ra, hb.join().ok().flatten())
            });
            let Some((a_end, a_cost, a_steps)) = ra else {
                return;
            };
            if a_end != b_start || a_cost != *cost + jumped {
                search.jump_mismatch = true;
                return;
            }
            run.moves += a_steps;
            run.cycles += a_cost - *cost;
            *st = a_end;
            *cost = a_cost;
            search.states += a_steps;
            let Some((b_end, b_cost, b_steps)) = rb else {
                meter.tick(*cost, search.states);
                return;
            };
            run.moves += b_steps;
            run.cycles += b_cost - *cost;
            *st = b_end;
            *cost = b_cost;
            search.states += b_steps;
            meter.tick(*cost, search.states);
            if search.over_limits() {
                return;
            }
        }
    }
}
