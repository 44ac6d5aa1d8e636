/**
 * The widget's CSS, inside its shadow root: the host page's styles do not reach in and ours do not
 * leak out. Brand colours come in as custom properties set on the host (`--rc-brand`,
 * `--rc-on-brand`), so the config can change them without touching this text.
 */

// The host element takes the page's !important rules (they beat :host), and inherited ones
// (text-transform, letter-spacing...) would flow in: the bubble and the panel, the roots of what
// we draw, start again from \`all:initial\`.

// The focus mark is two rings, white then black, so it shows on any background (brand, page,
// white). Written out in both texts: an interpolated template would keep the panel's CSS in the
// loader (esbuild cannot drop it as unused).

/** The closed bubble (in the loader: kept tiny). */
export const bubbleCss = `
:host{all:initial}
*{box-sizing:border-box}
.bubble{all:initial;box-sizing:border-box;position:fixed;right:20px;bottom:20px;z-index:2147483000;width:60px;height:60px;border:0;border-radius:50%;
background:var(--rc-brand,#1f4e99);color:var(--rc-on-brand,#fff);cursor:pointer;display:grid;place-items:center;
box-shadow:0 4px 14px rgba(0,0,0,.3);font:600 14px/1 system-ui,sans-serif;padding:0}
.bubble:focus-visible{outline:2px solid #fff;outline-offset:0;box-shadow:0 0 0 4px #111}
.bubble svg{width:28px;height:28px;fill:currentColor}
.bubble[aria-busy=true]{opacity:.7;cursor:progress}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;
background:#b00020;color:#fff;font:700 12px/22px system-ui,sans-serif;text-align:center}
.badge[hidden]{display:none}
`;

/** The open panel (in widget.js). */
export const panelCss = `
.panel{all:initial;box-sizing:border-box;position:fixed;right:20px;bottom:92px;z-index:2147483001;width:370px;height:min(600px,calc(100vh - 112px));
display:flex;flex-direction:column;background:#fff;color:#1a1a1a;border-radius:12px;overflow:hidden;
box-shadow:0 8px 30px rgba(0,0,0,.3);font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
[hidden]{display:none!important}
@media (max-width:479.98px){.panel{inset:0;width:100%;height:100%;border-radius:0}}
.head{display:flex;align-items:center;gap:10px;padding:12px 14px;background:var(--rc-brand);color:var(--rc-on-brand)}
.head img{width:32px;height:32px;border-radius:6px;object-fit:contain;background:#fff}
.head h2{flex:1;margin:0;font-size:17px;font-weight:600}
button,input,select,textarea{font:inherit;color:inherit}
button{cursor:pointer}
:focus-visible{outline:2px solid #fff;outline-offset:0;box-shadow:0 0 0 4px #111}
.icon{border:0;background:transparent;color:inherit;font-size:22px;line-height:1;width:36px;height:36px;border-radius:6px}
.body{flex:1;display:flex;flex-direction:column;min-height:0;overflow:auto}
.alert{margin:8px 12px 0;padding:8px 10px;border-radius:6px;background:#fde8e8;color:#7a0010}
.alert:empty{display:none}
.note{color:#4d4d4d;font-size:14px;margin:0}
.card{display:flex;flex-direction:column;gap:10px;padding:16px}
label{display:flex;flex-direction:column;gap:4px;font-size:14px;font-weight:600}
input,select,textarea{font-size:16px;font-weight:400;padding:8px 10px;border:1px solid #767676;border-radius:6px;background:#fff;width:100%}
.primary{background:var(--rc-brand);color:var(--rc-on-brand);border:0;border-radius:6px;padding:10px 14px;font-weight:600}
[aria-disabled=true]{opacity:.6;cursor:progress}
.secondary{background:#fff;color:#1a1a1a;border:1px solid #767676;border-radius:6px;padding:8px 12px}
.status{padding:8px 14px;font-size:14px;color:#4d4d4d;border-bottom:1px solid #e5e5e5}
.status:empty{display:none}
.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;margin:0;list-style:none}
.msg{max-width:82%;display:flex;flex-direction:column;gap:2px}
.msg .text{padding:8px 11px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}
.msg a{color:inherit;text-decoration:underline}
.msg small{font-size:12px;color:#4d4d4d}
.visitor{align-self:flex-end;align-items:flex-end}
.visitor .text{background:var(--rc-brand);color:var(--rc-on-brand);border-bottom-right-radius:4px}
.agent{align-self:flex-start}
.agent .text{background:#eef0f3;border-bottom-left-radius:4px}
.system{align-self:center;text-align:center;font-size:13px;color:#4d4d4d;max-width:100%}
.pending .text{opacity:.75}
.failed .text{outline:2px dashed #b00020}
.typing{min-height:20px;padding:0 14px;font-size:13px;color:#4d4d4d;font-style:italic}
.composer{display:flex;gap:8px;padding:10px 12px;border-top:1px solid #e5e5e5;align-items:flex-end}
.composer textarea{resize:none;height:44px;max-height:120px}
.composer label{flex:1}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.bar{display:flex;justify-content:flex-end;padding:6px 12px 0}
.end{display:flex;flex-direction:column;gap:10px;padding:12px 14px;border-top:1px solid #e5e5e5}
.row{display:flex;gap:8px;flex-wrap:wrap;align-items:center}
.rate{font-size:22px;background:#fff;border:1px solid #767676;border-radius:8px;width:52px;height:44px}
.end a{color:#1a1a1a}
.attach{flex:none;width:44px;height:44px;padding:0;display:grid;place-items:center;background:#fff;border:1px solid #767676;border-radius:6px}
.attach svg{width:22px;height:22px;fill:#1a1a1a}
.upload{padding:0 14px;margin:0;font-size:13px;color:#4d4d4d}
.upload:empty{display:none}
.file-img{display:block;max-width:100%;height:auto;margin-top:4px;border-radius:8px;background:#fff}
.file{display:inline-block;margin-top:4px}
.video-offer{display:flex;flex-direction:column;gap:8px;padding:10px 14px;border-bottom:1px solid #e5e5e5;background:#f7f7f8}
.video .bar{padding:6px 12px}
`;
