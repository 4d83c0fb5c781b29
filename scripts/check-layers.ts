/**
 * The layer check of `npm test`: every folder imports only the layers below it, so that the code
 * never runs back up (docs/architecture.md draws the picture).
 *
 *   0 core       shared/core/        pure domain (also held to purity: scripts/check-core-purity.ts)
 *   1 contract   shared/contract/    the handlers' input/output contract and how a handler is built
 *   1 outputs    shared/outputs/     pure renderers over the recommendation (summary, report, exports)
 *   2 adapters   shared/adapters/    the ports on AWS (aws/) and on this machine (local/); the two
 *                                    backends never import each other
 *   3 functions  functions/          one Lambda handler per Task
 *   4 workflow   shared/workflow/    the workflow runtime: the local runner and the local composition root
 *   5 entry      cli/ bench/ scripts/ the command line, the benchmarks and the project's tooling
 *   6 bin        bin/                the executable
 *
 * A relative import whose target sits in a higher layer (or in the other backend) is a violation,
 * named by file, line and import. A source file under shared/ that belongs to no layer is one too:
 * a new folder gets its layer here first. Tests are not checked: they may reach any layer.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { findViolations as findPurityViolations } from './check-core-purity';

export interface Layer {
  name: string;
  rank: number;
  /** Folder prefixes, relative to the repository root, with a trailing slash. */
  folders: string[];
  /** Sub-folders of the layer that must not import each other (the two backends). */
  isolated?: string[];
}

export const LAYERS: readonly Layer[] = [
  { name: 'core', rank: 0, folders: ['shared/core/'] },
  { name: 'contract', rank: 1, folders: ['shared/contract/'] },
  // Pure renderers over the recommendation (Markdown summary, report, exports): core's types in, text out.
  { name: 'outputs', rank: 1, folders: ['shared/outputs/'] },
  {
    name: 'adapters',
    rank: 2,
    folders: ['shared/adapters/'],
    isolated: ['shared/adapters/aws/', 'shared/adapters/local/'],
  },
  { name: 'functions', rank: 3, folders: ['functions/'] },
  { name: 'workflow', rank: 4, folders: ['shared/workflow/'] },
  { name: 'entry', rank: 5, folders: ['cli/', 'bench/', 'scripts/'] },
  { name: 'bin', rank: 6, folders: ['bin/'] },
];

/** Folders whose source files must each belong to a layer. */
export const CHECKED_ROOTS = ['shared', 'functions', 'cli', 'bench', 'scripts', 'bin'];

/** The layer of a path relative to the repository root, if any. */
export function layerOf(path: string): Layer | undefined {
  const normalized = path.split('\\').join('/');
  return LAYERS.find((layer) => layer.folders.some((folder) => normalized.startsWith(folder)));
}

function isolatedUnit(layer: Layer, path: string): string | undefined {
  return layer.isolated?.find((unit) => path.startsWith(unit));
}

/** Every module specifier a file names (imports, re-exports, import types, dynamic imports), with its line. */
export function importSpecifiers(fileName: string, source: string): { spec: string; line: number }[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true);
  const found: { spec: string; line: number }[] = [];
  const add = (node: ts.Node, spec: string) =>
    found.push({ spec, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      add(node, node.moduleSpecifier.text);
    if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    )
      add(node, node.moduleReference.expression.text);
    if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    )
      add(node, node.argument.literal.text);
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    )
      add(node, node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/**
 * Violations of the layer rule in one file (`file` relative to the repository root).
 * @example findLayerViolations('shared/core/x.ts', "import { a } from '../adapters/aws/a';")
 * // ["shared/core/x.ts:1 imports '../adapters/aws/a' (layer adapters, 2) from layer core (0): imports run only downward"]
 */
export function findLayerViolations(file: string, source: string): string[] {
  const from = layerOf(file);
  if (!from) return [`${file}: belongs to no layer (add its folder to LAYERS in scripts/check-layers.ts)`];
  const violations: string[] = [];
  for (const { spec, line } of importSpecifiers(file, source)) {
    if (!spec.startsWith('.')) continue;
    const target = relative(resolve('.'), resolve(dirname(resolve(file)), spec))
      .split('\\')
      .join('/');
    const to = layerOf(`${target}/`) ?? layerOf(target);
    const where = `${file}:${line} imports '${spec}'`;
    if (!to) {
      if (!target.startsWith('..') && CHECKED_ROOTS.some((root) => target.startsWith(`${root}/`)))
        violations.push(`${where}, which belongs to no layer`);
      continue;
    }
    if (to.rank > from.rank)
      violations.push(
        `${where} (layer ${to.name}, ${to.rank}) from layer ${from.name} (${from.rank}): imports run only downward`,
      );
    else if (to === from) {
      const fromUnit = isolatedUnit(from, file);
      const toUnit = isolatedUnit(to, target);
      if (fromUnit && toUnit && fromUnit !== toUnit)
        violations.push(
          `${where}: ${fromUnit} and ${toUnit} are separate backends and never import each other`,
        );
    }
  }
  return violations;
}

function listSources(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return listSources(path);
    return /\.(ts|js|mjs)$/.test(path) && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Longest a function in shared/ or cli/ should be, lines (docs/architecture.md names any exception). */
export const MAX_FUNCTION_LINES = 120;

/**
 * Functions (declarations, methods, arrows, function expressions) longer than `maxLines` lines.
 * @example longFunctions('a.ts', source) // [{ name: 'runLocalBenchmark', at: 'a.ts:243', lines: 414 }]
 */
export function longFunctions(
  fileName: string,
  source: string,
  maxLines: number = MAX_FUNCTION_LINES,
): { name: string; at: string; lines: number }[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true);
  const found: { name: string; at: string; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      const named = (node as { name?: ts.Node }).name;
      const name =
        named?.getText(sf) ??
        (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(sf) : '(anonymous)');
      if (lines > maxLines) found.push({ name, at: `${fileName}:${first + 1}`, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Every function of shared/ and cli/ longer than {@link MAX_FUNCTION_LINES}. */
export function longFunctionsInTree(): { name: string; at: string; lines: number }[] {
  return ['shared', 'cli']
    .flatMap((root) => listSources(root))
    .flatMap((file) => longFunctions(file, readFileSync(file, 'utf8')));
}

/** Every layer and purity violation of the tree below the current directory. */
export function checkTree(): { files: number; violations: string[] } {
  const files = CHECKED_ROOTS.flatMap((root) => listSources(root));
  const violations = files.flatMap((file) => {
    const source = readFileSync(file, 'utf8');
    const layer = findLayerViolations(file, source);
    const purity = layerOf(file)?.name === 'core' ? findPurityViolations(file, source) : [];
    return [...layer, ...purity];
  });
  return { files: files.length, violations };
}

if (process.argv[1]?.endsWith('check-layers.ts')) {
  const { files, violations } = checkTree();
  if (violations.length > 0) {
    for (const v of violations) console.error(`layers: ${v}`);
    process.exit(1);
  }
  console.log(
    `layers: ${files} files import only their own layer or those below (${LAYERS.map((l) => l.name).join(' < ')}); shared/core is pure`,
  );
}
