/** No broken links in the docs: every relative link names a file that exists, and every #anchor a heading in it. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../lib/deploy/build.ts";

const DOCS = ["README.md", "bench/README.md", ...readdirSync(join(ROOT, "docs")).map((f) => join("docs", f))].filter(
  (f) => f.endsWith(".md"),
);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/[^\p{L}\p{N} -]/gu, "")
    .replace(/ /g, "-");

const anchorsOf = (file: string) =>
  new Set(
    [
      ...readFileSync(file, "utf8")
        .replace(/```[\s\S]*?```/g, "")
        .matchAll(/^#{1,6} (.+)$/gm),
    ].map((m) => anchor(m[1]!)),
  );

describe("doc links", () => {
  it.each(DOCS)("%s: every local link and anchor resolves", (doc) => {
    const text = readFileSync(join(ROOT, doc), "utf8").replace(/```[\s\S]*?```/g, "");
    const broken: string[] = [];
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1]!;
      if (/^[a-z]+:/i.test(link)) continue;
      const [path, hash] = link.split("#") as [string, string | undefined];
      const target = path ? join(ROOT, dirname(doc), path) : join(ROOT, doc);
      if (!existsSync(target)) broken.push(`${link} (no ${relative(ROOT, target)})`);
      else if (hash && target.endsWith(".md") && !anchorsOf(target).has(hash))
        broken.push(`${link} (no heading #${hash})`);
    }
    expect(broken).toEqual([]);
  });
});
