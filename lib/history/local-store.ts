/**
 * History in a local directory: by default the XDG state directory ($XDG_STATE_HOME, else
 * ~/.local/state, per the XDG Base Directory Specification: "data that should persist between
 * restarts"), `cvm-autopilot/history` in it; REPORT_DIR moves it beside the reports. Each object
 * is written to a temporary name and hard-linked into place, which fails if the name exists: a
 * reader never sees half a file, and nothing is overwritten.
 */
import { link, mkdir, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { randomUUID } from "node:crypto";
import { checkKey, HistoryStoreError, type HistoryStore } from "./store.ts";
import { readSetting } from "../config/settings.ts";
import { SERVE_SETTINGS } from "../config/serve-settings.ts";

/**
 * The directory history is kept in when nothing else is said; undefined for an environment with
 * no HOME, XDG_STATE_HOME or REPORT_DIR (a bare service or a test's child process), where no
 * per-user directory can be assumed.
 */
export function defaultHistoryDir(env: Record<string, string | undefined>): string | undefined {
  const reports = readSetting(env, SERVE_SETTINGS.reportDir);
  if (reports) return join(reports, "history");
  const state = env.XDG_STATE_HOME?.trim();
  const home = env.HOME?.trim();
  // The spec says a relative XDG_STATE_HOME is invalid and to be ignored.
  if (state?.startsWith("/")) return join(state, "cvm-autopilot", "history");
  return home?.startsWith("/") ? join(home, ".local", "state", "cvm-autopilot", "history") : undefined;
}

const fsError = (what: string, e: unknown) => {
  const err = e as NodeJS.ErrnoException;
  // ENOSPC: a full disk; EACCES/EROFS/ENOTDIR: a refused write. Each is reported, never thrown past the run.
  return new HistoryStoreError(`${what}: ${err.message}`, err.code ?? "StoreError");
};

export function localStore(dir: string): HistoryStore {
  const path = (key: string) => join(dir, ...checkKey(key).split("/"));
  return {
    where: `directory ${dir}`,
    async create(key, body) {
      const target = path(key);
      const tmp = `${target}.${randomUUID()}.tmp`;
      try {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(tmp, body, { flag: "wx" });
        await link(tmp, target);
      } catch (e) {
        throw fsError(`history not written to ${target}`, e);
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    },
    async get(key) {
      try {
        return await readFile(path(key), "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw fsError(`history not read from ${path(key)}`, e);
      }
    },
    async list(prefix) {
      const base = prefix.endsWith("/") ? path(prefix.slice(0, -1)) : dirname(path(`${prefix}x`));
      let names: string[];
      try {
        names = (await readdir(base, { recursive: true, withFileTypes: true }))
          .filter((d) => d.isFile() && !d.name.endsWith(".tmp"))
          .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join("/"));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw fsError(`history not listed in ${base}`, e);
      }
      return names.filter((k) => k.startsWith(prefix)).sort();
    },
    async remove(key) {
      try {
        await unlink(path(key));
      } catch (e) {
        // Already gone (a concurrent run removed it first) is what was asked for.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw fsError(`history not removed: ${path(key)}`, e);
      }
    },
  };
}
