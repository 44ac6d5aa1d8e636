/**
 * The baseline: Relais' IVR flow (answer, greeting, menu with barge-in, digit timer, replays, then
 * the default team) written in plain dialplan, on its own pjsip endpoint, in the same Asterisk.
 * A caller whose From user is `PLAIN_USER` lands here (`endpoint_identifier_order=username,ip`);
 * any other caller from 127.0.0.1 is the ISP trunk and goes to Relais' ARI IVR.
 */
import type { ConfSection } from '../asterisk/conf-file.ts';
import { trunkLikeEndpoint } from '../asterisk/render-pjsip.ts';
import type { Config } from '../config/load.ts';

export const PLAIN_USER = 'plainivr';
const ENTRY = 'bench-plain';
const MENU = 'bench-plain-menu';

/** `sounds`: the instance's prompt folder as Asterisk sees it (`relais.instance.dirs.sounds`). */
export function plainIvrExtras(config: Config, sounds: string): { contexts: ConfSection[]; pjsip: ConfSection[] } {
  const menu = config.menu;
  const prompt = (name: string) => `${sounds}/${name}`;
  // Teams are not dialled here: nobody reaches this point in the benchmark (callers hang up
  // before the digit timer), and a Dial would need agents. The caller hears the same message.
  const toTeam = (team: string) => [`Playback(${prompt(`connecting-${team}`)})`, 'Hangup()'];
  const exten = (name: string, apps: string[]) =>
    apps.map((app, i) => (i === 0 ? (['exten', `${name},1,${app}`] as const) : (['same', `n,${app}`] as const)));

  const contexts: ConfSection[] = [
    {
      name: ENTRY,
      comment: 'Benchmark baseline: every dialled number enters the plain-dialplan IVR.',
      entries: [...exten('_X.', [`Goto(${MENU},s,1)`]), ...exten('s', [`Goto(${MENU},s,1)`])],
    },
    {
      name: MENU,
      comment: "Benchmark baseline: Relais' IVR flow in plain dialplan.",
      entries: [
        // Playback (not Background): the greeting is never cut, like the IVR's.
        ...exten('s', ['Answer()', 'Set(TRIES=0)', `Playback(${prompt('greeting')})`]),
        ['same', `n(menu),Background(${prompt('menu')})`],
        ['same', `n,WaitExten(${menu.digitTimeoutSeconds})`],
        ...Object.entries(menu.options).flatMap(([digit, team]) => exten(digit, toTeam(team))),
        ...exten('i', [
          'Set(TRIES=$[${TRIES} + 1])',
          `GotoIf($[\${TRIES} > ${menu.replays}]?default,1)`,
          `Playback(${prompt('invalid')})`,
          'Goto(s,menu)',
        ]),
        ...exten('t', ['Set(TRIES=$[${TRIES} + 1])', `GotoIf($[\${TRIES} > ${menu.replays}]?default,1)`, 'Goto(s,menu)']),
        ...exten('default', toTeam(menu.defaultTeam)),
      ],
    },
  ];

  // Benchmark callers: no authentication, found by their From user.
  return { contexts, pjsip: [trunkLikeEndpoint(config, PLAIN_USER, ENTRY)] };
}
