/**
 * What the snooze pages say, in English and Chinese (chosen by Accept-Language), and times in the
 * function's zone with the zone named. Kept apart from the logic so both languages say the same.
 */
import { zoneParts } from "../zone-parts.ts";
export type Lang = "en" | "zh";

/** The language a reader prefers of the two we have: the highest-weighted zh* or en* in Accept-Language, else English. */
export function langOf(acceptLanguage: string | undefined): Lang {
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part, i) => {
      const [tag = "", ...params] = part.trim().toLowerCase().split(";");
      const q = Number(
        params
          .find((p) => p.trim().startsWith("q="))
          ?.trim()
          .slice(2) ?? "1",
      );
      return { tag, q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((x) => x.q > 0 && (x.tag.startsWith("zh") || x.tag.startsWith("en")))
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked[0]?.tag.startsWith("zh") ? "zh" : "en";
}

/** An instant in `zone`, to the minute, with the zone named: "2026-12-01 20:00 (Asia/Shanghai)". */
export function when(ms: number, zone: string): string {
  const p = zoneParts(new Date(ms), zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} (${zone})`;
}

const STATES: Record<Lang, Record<string, string>> = {
  en: {
    RUNNING: "running",
    STOPPED: "stopped",
    STOPPING: "stopping",
    STARTING: "starting",
    PENDING: "being created",
    REBOOTING: "restarting",
    SHUTDOWN: "shut down",
    TERMINATING: "being released",
    LAUNCH_FAILED: "failed to launch",
  },
  zh: {
    RUNNING: "运行中",
    STOPPED: "已关机",
    STOPPING: "关机中",
    STARTING: "开机中",
    PENDING: "创建中",
    REBOOTING: "重启中",
    SHUTDOWN: "已停止服务",
    TERMINATING: "释放中",
    LAUNCH_FAILED: "创建失败",
  },
};

export const stateWord = (lang: Lang, state: string) => STATES[lang][state] ?? state.toLowerCase();

/** A page's title, its line, and its button's label when it has one. */
type Say = readonly [title: string, line: string, button?: string];

/** Every sentence a snooze page says. */
export interface Words {
  labels: { id: string; owner: string; region: string; state: string };
  openLink: Say;
  notAvailable(why: string): Say;
  configBroken: string;
  cloudRefused(code: string): string;
  noMachine(id: string, region: string): Say;
  noSecret: Say;
  expired: Say;
  forged(why: string): Say;
  otherAccount: Say;
  isNow(who: string, state: string): string;
  snoozed(t: string): string;
  nothingToStop(name: string, who: string, state: string): Say;
  restarted(name: string, who: string): Say;
  confirmStop(name: string): Say;
  tryAgain: Say;
  stopping: string;
  /** The state line when the machine could not be read again after acting on it. */
  stateUnread: string;
  wouldStop: string;
  notStoppedCode(what: string): string;
  notStopped(name: string, who: string, why: string): Say;
  guardHeld: string;
  notInScope: string;
  timePassed(who: string, t: string): Say;
  nothingToKeep(name: string, who: string, state: string): Say;
  confirmKeep(name: string, t: string): Say;
  alreadyLater(name: string, who: string, t: string): Say;
  dryRun(who: string, t: string): Say;
  notSnoozed(who: string, code: string): Say;
  keeps(name: string, who: string, t: string): Say;
  who(name: string | undefined, id: string, region: string): string;
}

/** Every sentence a snooze page says, per language. */
export const WORDS: Record<Lang, Words> = {
  en: {
    labels: { id: "Instance", owner: "Owner", region: "Region", state: "State now" },
    openLink: ["Open the link", "Open the link as it was sent; its page has the button."],
    notAvailable: (why: string) => ["Not available", `${why} Nothing was changed.`],
    configBroken: "The function's configuration does not load; see its log.",
    cloudRefused: (code: string) => `The cloud refused (${code}).`,
    noMachine: (id: string, region: string) => ["No such machine", `${id} is not in ${region}. Nothing was changed.`],
    noSecret: ["Not found", "Snooze links need WEBHOOK_SECRET."],
    expired: [
      "This link has expired",
      "It belonged to a warning whose time is over. Nothing was changed. A new warning brings new links.",
    ],
    forged: (why: string) => [
      "Link not valid",
      `This link is not valid (${why}): it was changed, or not made by this function. Nothing was changed.`,
    ],
    otherAccount: ["Link not valid", "This link names another account. Nothing was changed."],
    isNow: (who: string, state: string) => `${who} is ${state} now.`,
    snoozed: (t: string) => `It is kept running until ${t} (tag autopilot:snooze-until).`,
    nothingToStop: (name: string, who: string, state: string) => [
      `${name} is ${state} now`,
      `${who} is ${state} now: nothing to stop. Nothing was changed.`,
    ],
    restarted: (name: string, who: string) => [
      `${name} was started again`,
      `${who} was started again since this link was sent. The link was for its earlier run, so it stops nothing now. Nothing was changed.`,
    ],
    confirmStop: (name: string) => [
      `Stop ${name} now?`,
      "The button stops it now. Every scope rule, the opt-out tag and the blast-radius guard still apply.",
      "Stop it now",
    ],
    tryAgain: [
      "Try again",
      "A run of the function is in flight, or it failed; nothing was stopped by this link. Try again in a minute.",
    ],
    stopping: "is stopping",
    stateUnread: "not known (reload the page)",
    wouldStop: "would be stopped (dry run: nothing was done)",
    notStoppedCode: (what: string) => `was not stopped (${what})`,
    notStopped: (name: string, who: string, why: string) => [
      `${name} was not stopped`,
      `${who} was not stopped: ${why}.`,
    ],
    guardHeld: "the blast-radius guard held the run back",
    notInScope: "it is not a running pay-as-you-go machine in scope",
    timePassed: (who: string, t: string) => [
      "This link's time has passed",
      `It was to keep ${who} running until ${t}; that time has passed, so it changes nothing now. Nothing was changed.`,
    ],
    nothingToKeep: (name: string, who: string, state: string) => [
      `${name} is ${state} now`,
      `${who} is ${state} now: there is nothing to keep running. Nothing was changed.`,
    ],
    confirmKeep: (name: string, t: string) => [
      `Keep ${name} running?`,
      `The button keeps it running until ${t}; nothing changes until then.`,
      `Keep it running until ${t}`,
    ],
    alreadyLater: (name: string, who: string, t: string) => [
      `${name} already keeps running`,
      `${who} is already kept running until ${t}, no earlier than this link asks. Nothing was changed.`,
    ],
    dryRun: (who: string, t: string) => [
      "Dry run",
      `${who} would keep running until ${t}; the function runs in dry run, so no tag was written.`,
    ],
    notSnoozed: (who: string, code: string) => [
      "Not snoozed",
      `${who} could not be tagged (${code}). Nothing else was changed.`,
    ],
    keeps: (name: string, who: string, t: string) => [
      `${name} keeps running`,
      `${who} keeps running until ${t} (tag autopilot:snooze-until). Nothing else was changed.`,
    ],
    who: (name: string | undefined, id: string, region: string) => `${name ? `${name} (${id})` : id} in ${region}`,
  },
  zh: {
    labels: { id: "实例", owner: "负责人", region: "地域", state: "当前状态" },
    openLink: ["请直接打开链接", "请打开消息里的原链接，页面上有确认按钮。"],
    notAvailable: (why: string) => ["暂不可用", `${why}未做任何更改。`],
    configBroken: "函数配置无法加载，请查看日志。",
    cloudRefused: (code: string) => `云 API 拒绝了请求（${code}）。`,
    noMachine: (id: string, region: string) => ["找不到该机器", `${region} 中没有 ${id}。未做任何更改。`],
    noSecret: ["未找到", "延后链接需要设置 WEBHOOK_SECRET。"],
    expired: ["链接已过期", "它所属的提醒已经结束，未做任何更改。新的提醒会附带新的链接。"],
    forged: (why: string) => ["链接无效", `该链接无效（${why}）：它被改动过，或并非本函数生成。未做任何更改。`],
    otherAccount: ["链接无效", "该链接指向另一个账号。未做任何更改。"],
    isNow: (who: string, state: string) => `${who} 当前${state}。`,
    snoozed: (t: string) => `它将保持运行至 ${t}（标签 autopilot:snooze-until）。`,
    nothingToStop: (name: string, who: string, state: string) => [
      `${name} 当前${state}`,
      `${who} 当前${state}，无需关机。未做任何更改。`,
    ],
    restarted: (name: string, who: string) => [
      `${name} 已重新开机`,
      `${who} 在链接发出后已重新开机。该链接针对的是上一次运行，现在不会关机。未做任何更改。`,
    ],
    confirmStop: (name: string) => [
      `现在关闭 ${name}？`,
      "按下按钮立即关机。所有范围规则、退出标签和防误伤上限依然生效。",
      "立即关机",
    ],
    tryAgain: ["请稍后重试", "函数正在运行或运行失败，本链接未关闭任何机器。请一分钟后重试。"],
    stopping: "正在关机",
    stateUnread: "未知（请刷新页面）",
    wouldStop: "将会关机（演练模式：未做任何操作）",
    notStoppedCode: (what: string) => `未关机（${what}）`,
    notStopped: (name: string, who: string, why: string) => [`${name} 未关机`, `${who} 未关机：${why}。`],
    guardHeld: "防误伤上限阻止了本次运行",
    notInScope: "它不是范围内运行中的按量计费机器",
    timePassed: (who: string, t: string) => [
      "该链接的时间已过",
      `它原本让 ${who} 保持运行至 ${t}；该时间已过，现在不做任何更改。`,
    ],
    nothingToKeep: (name: string, who: string, state: string) => [
      `${name} 当前${state}`,
      `${who} 当前${state}，无需保持运行。未做任何更改。`,
    ],
    confirmKeep: (name: string, t: string) => [
      `让 ${name} 保持运行？`,
      `按下按钮后它将保持运行至 ${t}；在此之前不做更改。`,
      `保持运行至 ${t}`,
    ],
    alreadyLater: (name: string, who: string, t: string) => [
      `${name} 已在保持运行`,
      `${who} 已保持运行至 ${t}，不早于本链接的时间。未做任何更改。`,
    ],
    dryRun: (who: string, t: string) => ["演练模式", `${who} 将保持运行至 ${t}；函数处于演练模式，未写入标签。`],
    notSnoozed: (who: string, code: string) => ["未能延后", `无法给 ${who} 打标签（${code}）。未做其他更改。`],
    keeps: (name: string, who: string, t: string) => [
      `${name} 保持运行`,
      `${who} 将保持运行至 ${t}（标签 autopilot:snooze-until）。未做其他更改。`,
    ],
    who: (name: string | undefined, id: string, region: string) => `${region} 的 ${name ? `${name}（${id}）` : id}`,
  },
};
