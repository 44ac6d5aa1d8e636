/**
 * The baselines, written in plain dialplan on their own pjsip endpoints, in the same Asterisk:
 * - Relais' IVR flow (answer, greeting, menu with barge-in, digit timer, replays, then the default
 *   team), for callers whose From user is `PLAIN_USER`;
 * - the hold queue (greeting, "connecting you", then music on hold with the position and wait
 *   announced on entry and every `announceEverySeconds`), for `PLAIN_QUEUE_USER`.
 * Endpoints are found by From user (`endpoint_identifier_order=username,ip`); any other caller
 * from 127.0.0.1 is the ISP trunk and goes to Relais' ARI IVR.
 */
import type { ConfSection } from '../asterisk/conf-file.ts';
import { trunkLikeEndpoint } from '../asterisk/render-pjsip.ts';
import type { Config } from '../config/load.ts';
import { connectingPrompt } from '../ivr/flow-types.ts';
import { ANNOUNCED_MINUTES, ANNOUNCED_POSITIONS, announcement } from '../ivr/queue-flow.ts';

export const PLAIN_USER = 'plainivr';
export const PLAIN_QUEUE_USER = 'plainqueue';
/** The menu key callers of the queue scenario press (during the greeting): its team is the queue. */
export const QUEUE_KEY = '1';
const ENTRY = 'bench-plain';
const MENU = 'bench-plain-menu';
const QUEUE = 'bench-plain-queue';

export const queueTeamOf = (config: Config): string => {
  const team = config.menu.options[QUEUE_KEY];
  if (!team) throw new Error(`menu key ${QUEUE_KEY} leads to no team`);
  return team;
};

/** The announcement callers past the tenth hear (most of them under load): the plain flow says it to everyone. */
export const manyAheadAnnouncement = (config: Config): string[] => [
  ...announcement(ANNOUNCED_POSITIONS + 1, ANNOUNCED_MINUTES + 1),
  ...(config.callbacks ? ['callback-offer'] : []),
];

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
    plainQueue(config, prompt),
  ];

  // Benchmark callers: no authentication, found by their From user.
  return { contexts, pjsip: [trunkLikeEndpoint(config, PLAIN_USER, ENTRY), trunkLikeEndpoint(config, PLAIN_QUEUE_USER, QUEUE)] };
}

/**
 * The queue as the IVR plays it to a caller who pressed QUEUE_KEY during the greeting: the
 * greeting, "connecting you" (entering the queue), the announcement, then music on hold with the
 * announcement again every `announceEverySeconds` counted from entry, like the IVR's timer (an
 * announcement due while one plays follows it at once). The position is not known here.
 */
function plainQueue(config: Config, prompt: (name: string) => string): ConfSection {
  const team = queueTeamOf(config);
  const every = config.teams[team]!.announceEverySeconds;
  const said = manyAheadAnnouncement(config);
  return {
    name: QUEUE,
    comment: "Benchmark baseline: the IVR's hold queue in plain dialplan.",
    entries: [
      ['exten', '_X.,1,Goto(s,1)'],
      ['exten', 's,1,Answer()'],
      ['same', `n,Playback(${prompt('greeting')})`],
      ['same', 'n,Set(NEXT=${EPOCH})'],
      ['same', `n,Playback(${prompt(connectingPrompt(team))})`],
      ['same', `n(announce),Playback(${said.map(prompt).join('&')})`],
      ['same', `n,Set(NEXT=$[\${NEXT} + ${every}])`],
      ['same', 'n,Set(HOLD=$[${NEXT} - ${EPOCH}])'],
      // A duration of 0 (or none) would be music for ever; func_math's MAX is not loaded.
      ['same', 'n,GotoIf($[${HOLD} < 1]?announce)'],
      ['same', 'n,MusicOnHold(default,${HOLD})'],
      ['same', 'n,Goto(announce)'],
    ],
  };
}
