/** Reads a section of a Markdown file and the code block in it, so a test builds exactly what the README shows. */

/** The text under `## heading` up to the next `## `; throws naming the heading when there is none. */
export function readmeSection(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) throw new Error(`README.md has no '## ${heading}' section`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The first ```lang fenced block of `text`; throws when there is none. */
export function codeBlock(text: string, lang: string): string {
  const m = new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'm').exec(text);
  if (!m) throw new Error(`no \`\`\`${lang} block in the section`);
  return m[1]!;
}
