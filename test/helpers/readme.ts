/**
 * The command lines of a README recipe, so tests run exactly what the README tells people to type:
 * the ```sh blocks of one "### Heading" section, continuation lines joined, comments dropped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO } from './server.js';

/** Every shell line of the section (continuations joined, trailing comments removed). */
export function recipeLines(heading: string): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n### ${heading}\n`);
  if (start < 0) {
    throw new Error(`README.md has no "### ${heading}" section`);
  }
  const rest = readme.slice(start + 1);
  const end = rest.slice(4).search(/\n#{2,3} /);
  const section = end < 0 ? rest : rest.slice(0, end + 4);
  const lines: string[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const text = (block[1] ?? '').replace(/\\\n\s*/g, '');
    for (const line of text.split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command && !command.startsWith('#')) {
        lines.push(command);
      }
    }
  }
  return lines;
}

/** The arguments of each `express-wsgi …` line of the section (recipes use no shell quoting). */
export function recipeCommands(heading: string): string[][] {
  return recipeLines(heading)
    .filter((l) => l.startsWith('express-wsgi '))
    .map((l) => l.split(/\s+/).slice(1));
}
