/**
 * Contact-centre statistics per team, computed by PostgreSQL from `routing_events`.
 *
 * An interaction belongs to the period in which it was first queued (whatever happens to it
 * later, even after the period), and to every team whose queue it entered: the team it was
 * queued in and, after an overflow, the team it overflowed to. It is answered by the team whose
 * agent accepted it first, abandoned by the team it was waiting in when the customer left.
 *
 * - queued          interactions that entered the team's queue
 * - abandon rate    abandoned / queued
 * - wait            first queued → first accepted (the customer's whole wait, across overflow);
 *                   p90 is the smallest wait that 90 % of answered interactions did not exceed
 * - answer time     the offer that was accepted → accepted (how long it rang)
 * - service level   answered within serviceLevelSeconds of first queued / (answered + abandoned)
 * - handling time   accepted → the first `ended` after it
 * Averages and rates are null when there is nothing to average or divide by.
 */
import type pg from 'pg';

export interface TeamStats {
  team: string;
  queued: number;
  answered: number;
  abandoned: number;
  /** Moved from this team to another (they also count in the other team's `queued`). */
  overflowed: number;
  abandonRate: number | null;
  avgWaitSeconds: number | null;
  p90WaitSeconds: number | null;
  avgAnswerSeconds: number | null;
  serviceLevel: number | null;
  avgHandleSeconds: number | null;
}

export interface DayTeamStats extends TeamStats {
  /** The local day (`YYYY-MM-DD`) in the requested time zone. */
  day: string;
}

export interface StatsPeriod {
  from: Date;
  /** Excluded. */
  to: Date;
  serviceLevelSeconds: number;
}

export interface StatsDays {
  /** First local day, `YYYY-MM-DD`. */
  from: string;
  /** Last local day, included. */
  to: string;
  serviceLevelSeconds: number;
  /** IANA time zone that days are cut in, such as `Europe/Paris`. */
  timezone: string;
}

/** Per team, for interactions first queued in [from, to). */
export async function teamStats(pool: pg.Pool, p: StatsPeriod): Promise<TeamStats[]> {
  const bounds = 'select $1::timestamptz as lo, $2::timestamptz as hi';
  const { rows } = await pool.query<Raw>(statsSql(bounds, 'null::text'), [p.from, p.to, p.serviceLevelSeconds]);
  return rows.map(({ day: _, ...r }) => r);
}

/** Per local day and team, for interactions first queued on those days in that time zone. */
export function statsByDay(pool: pg.Pool, p: StatsDays): Promise<DayTeamStats[]> {
  return statsByLocalPeriod(pool, p, 'YYYY-MM-DD');
}

/** Per local hour (`YYYY-MM-DDTHH:00`, in `day`) and team, for interactions first queued on those days. */
export function statsByHour(pool: pg.Pool, p: StatsDays): Promise<DayTeamStats[]> {
  return statsByLocalPeriod(pool, p, 'YYYY-MM-DD"T"HH24:00');
}

/** Per period of the company's clock (`format`: PostgreSQL's to_char pattern that names it) and team. */
async function statsByLocalPeriod(pool: pg.Pool, p: StatsDays, format: string): Promise<DayTeamStats[]> {
  for (const d of [p.from, p.to]) if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new RangeError(`not a YYYY-MM-DD day: ${d}`);
  // Local midnights as instants: "timestamp at time zone" reads a wall-clock time in that zone.
  const bounds = 'select $1::date::timestamp at time zone $4 as lo, ($2::date + 1)::timestamp at time zone $4 as hi';
  const period = `to_char(ix.queued_at at time zone $4, '${format}')`;
  const { rows } = await pool.query<Raw>(statsSql(bounds, period), [p.from, p.to, p.serviceLevelSeconds, p.timezone]);
  return rows.map((r) => ({ ...r, day: r.day! }));
}

export interface AgentStats {
  agent: string;
  /** Interactions accepted in the period. */
  handled: number;
  avgHandleSeconds: number | null;
  /** Offer → accepted: how long the agent let it ring. */
  avgAnswerSeconds: number | null;
}

/** Per agent (and optionally one team), for interactions accepted on those local days. */
export async function statsByAgent(pool: pg.Pool, p: Omit<StatsDays, 'serviceLevelSeconds'> & { team?: string }): Promise<AgentStats[]> {
  const { rows } = await pool.query<AgentStats>(
    `with bounds as (select $1::date::timestamp at time zone $3 as lo, ($2::date + 1)::timestamp at time zone $3 as hi),
     accepted as (
       select e.interaction_id, e.agent, e.at,
         (select max(o.at) from routing_events o
            where o.interaction_id = e.interaction_id and o.step = 'offered' and o.at <= e.at) as offered_at,
         (select min(x.at) from routing_events x
            where x.interaction_id = e.interaction_id and x.step = 'ended' and x.at >= e.at) as ended_at
       from routing_events e, bounds b
       where e.step = 'accepted' and e.at >= b.lo and e.at < b.hi and e.agent is not null
         and ($4::text is null or e.team = $4)
     )
     select agent, count(*)::int as handled,
       avg(extract(epoch from ended_at - at))::float8 as "avgHandleSeconds",
       avg(extract(epoch from at - offered_at))::float8 as "avgAnswerSeconds"
     from accepted group by agent order by agent`,
    [p.from, p.to, p.timezone, p.team ?? null],
  );
  return rows;
}

type Raw = TeamStats & { day: string | null };

/** Counts are cast to int and measures to float8, which pg returns as numbers (not strings). */
function statsSql(bounds: string, dayExpr: string): string {
  return `
with bounds as (${bounds}),
candidates as (
  select distinct e.interaction_id
  from routing_events e, bounds b
  where e.step = 'queued' and e.at >= b.lo and e.at < b.hi
),
ev as (
  select e.*, min(e.at) filter (where e.step = 'accepted') over (partition by e.interaction_id) as accepted_at
  from routing_events e join candidates using (interaction_id)
),
ix as (
  select interaction_id,
    min(at) filter (where step = 'queued') as queued_at,
    min(accepted_at) as accepted_at,
    (array_agg(team order by at, id) filter (where step = 'accepted'))[1] as answered_by,
    max(at) filter (where step = 'offered' and at <= accepted_at) as offered_at,
    min(at) filter (where step = 'ended' and at >= accepted_at) as ended_at,
    (array_agg(team order by at, id) filter (where step = 'abandoned' and accepted_at is null))[1] as abandoned_in
  from ev
  group by interaction_id
  -- queued again in the period (after an overflow) but first queued before it: not this period's
  having min(at) filter (where step = 'queued') >= (select lo from bounds)
),
entered as (
  select interaction_id, team from ev where step = 'queued'
  union
  select interaction_id, data ->> 'to' from ev where step = 'overflowed' and data ? 'to'
),
facts as (
  select en.team, ${dayExpr} as day,
    coalesce(ix.answered_by = en.team, false) as answered,
    coalesce(ix.abandoned_in = en.team, false) as abandoned,
    exists (select 1 from ev o where o.interaction_id = ix.interaction_id and o.step = 'overflowed' and o.team = en.team) as overflowed,
    extract(epoch from ix.accepted_at - ix.queued_at)::float8 as wait_s,
    extract(epoch from ix.accepted_at - ix.offered_at)::float8 as answer_s,
    extract(epoch from ix.ended_at - ix.accepted_at)::float8 as handle_s
  from entered en join ix using (interaction_id)
),
totals as (
  select team, day,
    count(*)::int as queued,
    (count(*) filter (where answered))::int as answered,
    (count(*) filter (where abandoned))::int as abandoned,
    (count(*) filter (where overflowed))::int as overflowed,
    (count(*) filter (where answered and wait_s <= $3))::int as within_sl,
    avg(wait_s) filter (where answered) as avg_wait,
    percentile_disc(0.9) within group (order by wait_s) filter (where answered) as p90_wait,
    avg(answer_s) filter (where answered) as avg_answer,
    avg(handle_s) filter (where answered) as avg_handle
  from facts
  group by team, day
)
select team, day, queued, answered, abandoned, overflowed,
  abandoned::float8 / nullif(queued, 0) as "abandonRate",
  avg_wait as "avgWaitSeconds",
  p90_wait as "p90WaitSeconds",
  avg_answer as "avgAnswerSeconds",
  within_sl::float8 / nullif(answered + abandoned, 0) as "serviceLevel",
  avg_handle as "avgHandleSeconds"
from totals
order by day, team`;
}
