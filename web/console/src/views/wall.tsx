/** The supervisors' live wall: per team, who waits and for how long, agents' states, today's figures. */
import { useEffect } from 'preact/hooks';
import { wall, watchWall } from '../state/live.ts';
import { duration, percent, t } from '../texts.fr.ts';
import { secondsSince } from './common.tsx';

export function Wall() {
  useEffect(() => {
    void watchWall(true);
    return () => void watchWall(false);
  }, []);
  const teams = wall.value ?? [];
  return (
    <section class="wall">
      <h1>{t.wallTitle}</h1>
      <div class="wall-teams">
        {teams.map((w) => (
          <article class="wall-team" data-team={w.team}>
            <h2>{w.name}</h2>
            <dl class="figures">
              <div class={w.waiting ? 'hot' : ''}>
                <dt>{t.waiting}</dt>
                <dd data-figure="waiting">{w.waiting}</dd>
              </div>
              <div>
                <dt>{t.longestWait}</dt>
                <dd data-figure="longest">{w.oldestSince ? duration(secondsSince(w.oldestSince)) : '—'}</dd>
              </div>
              <div>
                <dt>{t.answeredToday}</dt>
                <dd data-figure="answered">{w.today.answered}</dd>
              </div>
              <div>
                <dt>{t.abandonedToday}</dt>
                <dd data-figure="abandoned">{w.today.abandoned}</dd>
              </div>
              <div>
                <dt>{t.serviceLevel}</dt>
                <dd data-figure="service-level">{percent(w.today.serviceLevel)}</dd>
              </div>
            </dl>
            <h3>{t.agents}</h3>
            <ul class="wall-agents">
              {w.agents.map((a) => (
                <li class={`presence-${a.presence}`}>
                  <span>{a.name}</span> <span>{t.presence[a.presence]}</span>
                  {a.reason && <span class="muted"> ({a.reason})</span>} <span class="muted">{duration(secondsSince(a.since))}</span>
                </li>
              ))}
            </ul>
          </article>
        ))}
      </div>
    </section>
  );
}
