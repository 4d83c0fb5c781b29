/**
 * Keeps `shared/core` pure: it may import only other core modules and plain libraries (zod),
 * never adapters, handlers, the AWS SDK or Node's I/O modules, and it may not read the
 * environment, the clock or the console. Walks the TypeScript AST, so comments and strings
 * never trigger a false alarm. Exits non-zero with one line per violation.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const CORE_DIR = 'shared/core';
const FORBIDDEN_IMPORTS: { test: (spec: string) => boolean; why: string }[] = [
  { test: (s) => s.startsWith('@aws-sdk/') || s.startsWith('@smithy/'), why: 'the AWS SDK' },
  { test: (s) => /(^|\/)adapters(\/|$)/.test(s), why: 'an adapter' },
  { test: (s) => /(^|\/)functions(\/|$)/.test(s), why: 'a handler' },
  { test: (s) => /(^|\/)cli(\/|$)/.test(s), why: 'the CLI' },
  {
    test: (s) => s.startsWith('@middy/') || s.startsWith('@aws-lambda-powertools/'),
    why: 'Lambda middleware',
  },
  {
    test: (s) =>
      /^(node:)?(fs|fs\/promises|http|https|net|child_process|os|process|dgram|worker_threads)$/.test(s),
    why: "Node's I/O",
  },
];

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return listTs(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

export function findViolations(fileName: string, source: string): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const at = (node: ts.Node) => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
    return `${relative('.', fileName)}:${line + 1}`;
  };
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const spec = node.moduleSpecifier.text;
      const rule = FORBIDDEN_IMPORTS.find((r) => r.test(spec));
      if (rule) found.push(`${at(node)} imports ${rule.why} ('${spec}')`);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      found.push(`${at(node)} uses a dynamic import`);
    }
    if (ts.isPropertyAccessExpression(node)) {
      const text = node.getText(sf).replace(/\s+/g, '');
      if (text === 'process.env' || text.startsWith('process.env.'))
        found.push(`${at(node)} reads process.env`);
      if (text === 'Date.now') found.push(`${at(node)} reads the clock (Date.now)`);
      if (text === 'performance.now') found.push(`${at(node)} reads the clock (performance.now)`);
    }
    if (ts.isIdentifier(node) && node.text === 'console') found.push(`${at(node)} uses console`);
    if (ts.isIdentifier(node) && node.text === 'require' && ts.isCallExpression(node.parent)) {
      found.push(`${at(node)} uses require`);
    }
    if (ts.isNewExpression(node) && node.expression.getText(sf) === 'Date' && !node.arguments?.length) {
      found.push(`${at(node)} reads the clock (new Date())`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

if (process.argv[1]?.endsWith('check-core-purity.ts')) {
  const violations = listTs(CORE_DIR).flatMap((file) => findViolations(file, readFileSync(file, 'utf8')));
  if (violations.length > 0) {
    for (const v of violations) console.error(`core purity: ${v}`);
    process.exit(1);
  }
  console.log(`core purity: ${listTs(CORE_DIR).length} files in ${CORE_DIR} import no adapter, SDK or I/O`);
}
