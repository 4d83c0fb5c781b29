/**
 * Keeps `shared/core` pure with an allow-list, so that whatever is not known to be pure is refused:
 * - imports: only relative paths that stay inside `shared/core`, and the packages in
 *   ALLOWED_PACKAGES (zod: validation only). Anything else (the AWS SDK, adapters, handlers,
 *   `node:*` modules, `undici`, ...) is a violation, including `export ... from`, `import x =
 *   require()`, `import('...')` types and dynamic `import()`.
 * - ambient I/O, clock and randomness: any reference to the identifiers in FORBIDDEN_GLOBALS
 *   (`process`, `globalThis`, `fetch`, `console`, `require`, timers, ...), however reached
 *   (`process['env']`, `const { env } = process`, `globalThis.process.env`). `Date` may only be
 *   used to parse or build a given time (`new Date(x)`, `Date.parse`, `Date.UTC`, or as a type);
 *   `Date.now`, `Date['now']`, `Date()` and `new Date()` read the clock. `Math.random` is refused.
 * Walks the TypeScript AST, so comments and strings never trigger a false alarm. Exits non-zero
 * with one line per violation.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const CORE_DIR = 'shared/core';
/** Packages core may import (and their subpaths): pure, no I/O. */
export const ALLOWED_PACKAGES = ['zod'];
/** Identifiers that reach the process, the network, the console, the clock or the event loop. */
export const FORBIDDEN_GLOBALS = new Map<string, string>([
  ['process', 'the process (env, argv, stdout, exit)'],
  ['globalThis', 'the global object'],
  ['global', 'the global object'],
  ['window', 'the global object'],
  ['self', 'the global object'],
  ['fetch', 'the network (fetch)'],
  ['XMLHttpRequest', 'the network'],
  ['WebSocket', 'the network'],
  ['console', 'the console'],
  ['require', 'require'],
  ['module', 'the CommonJS module'],
  ['__dirname', 'the file system location'],
  ['__filename', 'the file system location'],
  ['setTimeout', 'a timer'],
  ['setInterval', 'a timer'],
  ['setImmediate', 'a timer'],
  ['clearTimeout', 'a timer'],
  ['clearInterval', 'a timer'],
  ['queueMicrotask', 'the event loop'],
  ['performance', 'the clock (performance)'],
  ['crypto', 'randomness or the clock (crypto)'],
  ['Intl', 'the clock or the locale (Intl: DateTimeFormat().format() reads the clock)'],
  ['eval', 'eval (code the check cannot see)'],
  ['Function', 'the Function constructor (code the check cannot see)'],
]);
/** The only members of `Date` core may read: both turn given values into a time. */
const PURE_DATE_MEMBERS = new Set(['parse', 'UTC']);

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return listTs(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Why an import is refused, or undefined when it is allowed. */
function importProblem(fileName: string, spec: string): string | undefined {
  if (spec.startsWith('.')) {
    const target = resolve(dirname(fileName), spec);
    const core = resolve(CORE_DIR);
    if (target === core || target.startsWith(core + sep)) return undefined;
    return `imports a module outside ${CORE_DIR} ('${spec}')`;
  }
  if (ALLOWED_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))) return undefined;
  return `imports '${spec}', which is not an allowed pure package (${ALLOWED_PACKAGES.join(', ')})`;
}

/** True when the identifier names a property or a member rather than referring to a variable. */
function isMemberName(node: ts.Identifier): boolean {
  const parent = node.parent;
  return (
    (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
    (ts.isQualifiedName(parent) && parent.right === node) ||
    ((ts.isPropertyAssignment(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isMethodSignature(parent) ||
      ts.isGetAccessor(parent) ||
      ts.isSetAccessor(parent) ||
      ts.isEnumMember(parent)) &&
      parent.name === node) ||
    (ts.isBindingElement(parent) && parent.propertyName === node) ||
    ((ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent)) && parent.propertyName === node) ||
    // A type named like a global (`x: Date`) is not a use of the value.
    (ts.isTypeReferenceNode(parent) && parent.typeName === node)
  );
}

/** Names bound by a declaration name or a destructuring pattern. */
function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : boundNames(e.name)));
}

/** Names a statement declares in its block (variables, functions, classes, imports). */
function declaredBy(statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement))
    return statement.declarationList.declarations.flatMap((d) => boundNames(d.name));
  if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name)
    return [statement.name.text];
  if (ts.isImportDeclaration(statement) && statement.importClause) {
    const clause = statement.importClause;
    const names = clause.name ? [clause.name.text] : [];
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) names.push(...bindings.elements.map((e) => e.name.text));
    return names;
  }
  return [];
}

/**
 * True when `name` is a local binding visible at `node` (a parameter called `window` is not the
 * global object). Walks the enclosing scopes; hoisting subtleties do not matter for a lint.
 */
function isShadowed(node: ts.Node, name: string): boolean {
  for (let scope: ts.Node | undefined = node.parent; scope; scope = scope.parent) {
    const names: string[] = [];
    if (ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope))
      for (const st of scope.statements) names.push(...declaredBy(st));
    if (ts.isCaseBlock(scope))
      for (const clause of scope.clauses) for (const st of clause.statements) names.push(...declaredBy(st));
    if (ts.isFunctionLike(scope)) {
      for (const param of scope.parameters) names.push(...boundNames(param.name));
      if (
        (ts.isFunctionExpression(scope) || ts.isFunctionDeclaration(scope)) &&
        scope.name &&
        ts.isIdentifier(scope.name)
      )
        names.push(scope.name.text);
    }
    if (
      (ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope)) &&
      scope.initializer &&
      ts.isVariableDeclarationList(scope.initializer)
    )
      names.push(...scope.initializer.declarations.flatMap((d) => boundNames(d.name)));
    if (ts.isCatchClause(scope) && scope.variableDeclaration)
      names.push(...boundNames(scope.variableDeclaration.name));
    if (names.includes(name)) return true;
  }
  return false;
}

/** Why a use of `Date` reads the clock, or undefined when it only handles a given time. */
function dateProblem(node: ts.Identifier): string | undefined {
  const parent = node.parent;
  if (ts.isNewExpression(parent) && parent.expression === node)
    return parent.arguments && parent.arguments.length > 0 ? undefined : 'reads the clock (new Date())';
  if (ts.isPropertyAccessExpression(parent) && parent.expression === node)
    return PURE_DATE_MEMBERS.has(parent.name.text) ? undefined : `reads the clock (Date.${parent.name.text})`;
  if (ts.isCallExpression(parent) && parent.expression === node) return 'reads the clock (Date())';
  if (ts.isElementAccessExpression(parent) && parent.expression === node)
    return `reads the clock (Date[${parent.argumentExpression.getText()}])`;
  return 'passes Date around (only new Date(x), Date.parse and Date.UTC are allowed)';
}

export function findViolations(fileName: string, source: string): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const at = (node: ts.Node) => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
    return `${relative('.', fileName)}:${line + 1}`;
  };
  const checkImport = (node: ts.Node, spec: string) => {
    const problem = importProblem(fileName, spec);
    if (problem) found.push(`${at(node)} ${problem}`);
  };
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      checkImport(node, node.moduleSpecifier.text);
    }
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const ref = node.moduleReference.expression;
      if (ts.isStringLiteral(ref)) checkImport(node, ref.text);
      else found.push(`${at(node)} uses require with a computed module`);
    }
    if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) checkImport(node, arg.literal.text);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      found.push(`${at(node)} uses a dynamic import`);
    }
    if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
      found.push(`${at(node)} uses import.meta (the module's location)`);
    }
    if (ts.isIdentifier(node) && !isMemberName(node) && !isShadowed(node, node.text)) {
      const why = FORBIDDEN_GLOBALS.get(node.text);
      if (why) found.push(`${at(node)} uses ${why} ('${node.text}')`);
      if (node.text === 'Date') {
        const problem = dateProblem(node);
        if (problem) found.push(`${at(node)} ${problem}`);
      }
      if (node.text === 'Math') {
        const parent = node.parent;
        const member = ts.isPropertyAccessExpression(parent)
          ? parent.name.text
          : ts.isElementAccessExpression(parent)
            ? parent.argumentExpression.getText(sf)
            : undefined;
        if (member !== undefined && /^['"`]?random['"`]?$/.test(member))
          found.push(`${at(node)} uses randomness (Math.random)`);
        else if (ts.isElementAccessExpression(parent) && !ts.isStringLiteral(parent.argumentExpression))
          found.push(`${at(node)} reads Math with a computed key`);
        else if (member === undefined)
          // `const { random } = Math` or `const M = Math; M.random()`: only Math.<name> can be checked.
          found.push(`${at(node)} uses Math other than as Math.<name> (Math.random could hide behind it)`);
      }
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
  console.log(
    `core purity: ${listTs(CORE_DIR).length} files in ${CORE_DIR} import only core and ${ALLOWED_PACKAGES.join(', ')}, and use no process, I/O, clock or randomness`,
  );
}
