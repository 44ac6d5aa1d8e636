/**
 * extensions.conf. Two contexts and nothing else:
 * - `from-trunk`: every call from the ISP enters Relais' Stasis application. No Dial, no Goto
 *   elsewhere: a caller from outside can never make Asterisk dial out (toll fraud).
 * - `staff`: staff phones reach each other by extension, and dial feature codes (log in, log
 *   out, pause, resume) that Relais handles. Only these exist; no pattern reaches the trunk.
 */
import type { Config } from '../config/load.ts';
import { renderConf, type ConfSection } from '../asterisk/conf-file.ts';
import { CONTEXT_STAFF, CONTEXT_TRUNK, staffDialStrings } from '../asterisk/endpoints.ts';

/** Stasis application argument that marks a call from the public network. */
export const STASIS_ARG_INBOUND = 'inbound';
/** Stasis application argument of a staff feature code: `feature,<action>`. */
export const STASIS_ARG_FEATURE = 'feature';

/** What staff dial from their phone to change their presence (the codes Asterisk users know from queues). */
export const FEATURE_CODES = { '*45': 'login', '*46': 'logout', '*47': 'pause', '*48': 'resume' } as const;
export type FeatureAction = (typeof FEATURE_CODES)[keyof typeof FEATURE_CODES];

/** How long an internal call rings before it gives up. */
const INTERNAL_RING_SECONDS = 30;

/**
 * @param apologyPrompt file (without extension) played when Relais is not connected, so a
 *   caller is never left in silence.
 */
export function renderDialplan(config: Config, apologyPrompt: string, extraContexts: readonly ConfSection[] = []): string {
  const app = config.asterisk.ari.app;
  // Answered here, before Stasis: the caller is answered at once whatever the load on Relais
  // (bench/ measured ARI's answer request reaching over a second at 400 calls).
  const toRelais = (exten: string, args: string) =>
    [
      ['exten', `${exten},1,Answer()`],
      ['same', `n,Stasis(${app},${args})`],
      ['same', 'n,GotoIf($["${STASISSTATUS}" != "FAILED"]?end)'],
      ['same', `n,Playback(${apologyPrompt})`],
      ['same', 'n(end),Hangup()'],
    ] as const;
  const toIvr = (exten: string) => toRelais(exten, `${STASIS_ARG_INBOUND},\${EXTEN}`);

  const trunk: ConfSection = {
    name: CONTEXT_TRUNK,
    comment: 'Calls from the ISP: to the IVR, whatever number was dialled. Nothing here dials out.',
    // `s` catches calls with no number; `_X.`, `_+X.` and `_X` every dialled number.
    entries: ['s', '_X', '_X.', '_+X.'].flatMap(toIvr),
  };

  const staff: ConfSection = {
    name: CONTEXT_STAFF,
    comment: 'Staff phones call each other by extension, and dial feature codes.',
    entries: [
      ...Object.entries(config.staff).flatMap(([id, s]) => [
        ['exten', `${s.extension},1,Dial(${staffDialStrings(id).join('&')},${INTERNAL_RING_SECONDS})`] as const,
        ['same', 'n,Hangup()'] as const,
      ]),
      ...Object.entries(FEATURE_CODES).flatMap(([code, action]) => toRelais(code, `${STASIS_ARG_FEATURE},${action}`)),
    ],
  };

  return renderConf('Dialplan', [
    {
      name: 'general',
      entries: [
        ['static', true],
        ['writeprotect', true],
        ['clearglobalvars', true],
      ],
    },
    trunk,
    staff,
    ...extraContexts,
  ]);
}
