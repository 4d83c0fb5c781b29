/**
 * The AWS SDK commands each Lambda function's code can send, traced through the TypeScript
 * checker from its handler file: every function it uses, every port method it calls (followed to
 * every implementation of that method in the project) and every `new XCommand(...)` of an
 * `@aws-sdk/client-*` package on the way. An adapter factory builds all its methods at once, but
 * only the methods a handler calls count: the members of an object literal that implement an
 * interface are followed only when that interface member is called.
 *
 * The trace is static and conservative: a command on any path counts, whatever the input (a
 * `switch` over resource kinds counts every case). It cannot see calls made through `any` or
 * computed names; the code here has neither.
 */
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One SDK operation: `client` is the package without its scope (`client-sagemaker`). */
export interface SdkOperation {
  client: string;
  operation: string;
  /** Whether the command's input takes `Tags` (tag-on-create needs a tagging permission too). */
  takesTags: boolean;
  /** The functions and methods from the handler to the command, for messages. */
  via: string[];
}

/**
 * The project's own files from `rootFiles`, with the project's compiler options. Packages are not
 * loaded (a command is recognised by the package its import names, and the SDK's types are
 * megabytes): only relative imports resolve, which keeps the trace to seconds.
 */
function createProgram(rootFiles: string[], projectDir: string): ts.Program {
  const configPath = join(projectDir, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, projectDir);
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, types: [] };
  const host = ts.createCompilerHost(options);
  host.resolveModuleNameLiterals = (literals, containingFile) =>
    literals.map((literal) =>
      literal.text.startsWith('.')
        ? ts.resolveModuleName(literal.text, containingFile, options, host)
        : { resolvedModule: undefined },
    );
  return ts.createProgram(rootFiles, options, host);
}

/** The client package an import of `node` names (`client-sagemaker`), if any. */
function clientPackageOf(symbol: ts.Symbol): string | undefined {
  const declaration = symbol.declarations?.[0];
  if (!declaration || !ts.isImportSpecifier(declaration)) return undefined;
  const module = declaration.parent.parent.parent.moduleSpecifier;
  return ts.isStringLiteral(module) ? /^@aws-sdk\/(client-[a-z0-9-]+)$/.exec(module.text)?.[1] : undefined;
}

const inputShapes = new Map<string, boolean>();

/**
 * Whether an SDK command's input takes `Tags`, read from the client package's declarations
 * (`CreateModelCommandInput extends CreateModelInput`, then `CreateModelInput`'s members).
 */
export function commandTakesTags(client: string, operation: string, projectDir: string): boolean {
  const key = `${client}:${operation}`;
  const known = inputShapes.get(key);
  if (known !== undefined) return known;
  const types = join(projectDir, 'node_modules', '@aws-sdk', client, 'dist-types');
  const command = ts.sys.readFile(join(types, 'commands', `${operation}Command.d.ts`)) ?? '';
  const shape = new RegExp(`interface ${operation}CommandInput extends (?:Omit<)?([A-Za-z0-9]+)`).exec(
    command,
  )?.[1];
  let takesTags = false;
  for (const file of shape ? (ts.sys.readDirectory(join(types, 'models'), ['.d.ts']) ?? []) : []) {
    const text = ts.sys.readFile(file) ?? '';
    const start = text.indexOf(`export interface ${shape} {`);
    if (start < 0) continue;
    const body = text.slice(start, text.indexOf('\n}', start));
    takesTags = /\n\s+Tags\?:/.test(body);
    break;
  }
  inputShapes.set(key, takesTags);
  return takesTags;
}

const nameOf = (declaration: ts.Declaration): string => {
  const name = (declaration as { name?: ts.Node }).name;
  return name && (ts.isIdentifier(name) || ts.isStringLiteral(name))
    ? name.text
    : ts.SyntaxKind[declaration.kind];
};

/** `const put = async () => {...}`: a function bound to a name. */
const isNamedFunction = (node: ts.Node) =>
  ts.isVariableDeclaration(node) &&
  node.initializer !== undefined &&
  (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer));

/** The name a declaration introduces (not a use); `{ put }` is both, so it counts as a use. */
const isDeclarationName = (node: ts.Identifier) => {
  const parent = node.parent;
  const declares =
    ts.isVariableDeclaration(parent) ||
    ts.isFunctionDeclaration(parent) ||
    ts.isParameter(parent) ||
    ts.isPropertyAssignment(parent) ||
    ts.isMethodDeclaration(parent) ||
    ts.isPropertySignature(parent) ||
    ts.isMethodSignature(parent) ||
    ts.isBindingElement(parent) ||
    ts.isClassDeclaration(parent) ||
    ts.isEnumDeclaration(parent);
  return declares && (parent as { name?: ts.Node }).name === node;
};

const isProjectFile = (file: ts.SourceFile, projectDir: string) =>
  !file.isDeclarationFile && !relative(projectDir, file.fileName).startsWith(`node_modules${sep}`);

/** An options object written into a call (`defineHandler({ handle })`) runs where it is written. */
const isInlineArgument = (node: ts.ObjectLiteralExpression) =>
  (ts.isCallExpression(node.parent) || ts.isNewExpression(node.parent)) &&
  ((node.parent as ts.CallExpression).arguments ?? []).includes(node);

/**
 * Object literal members by the interface member they implement (keyed by the interface
 * member's declaration): `createHosting` returns `{ createEndpoint() {...} }` as a HostingPort, so
 * HostingPort.createEndpoint -> that method.
 */
function indexImplementations(program: ts.Program, projectDir: string) {
  const checker = program.getTypeChecker();
  const byMember = new Map<ts.Declaration, ts.ObjectLiteralElementLike[]>();
  const implementing = new Set<ts.ObjectLiteralElementLike>();
  const visit = (node: ts.Node) => {
    if (ts.isObjectLiteralExpression(node) && !isInlineArgument(node)) {
      const contextual = checker.getContextualType(node);
      for (const property of node.properties) {
        const name = property.name && ts.isIdentifier(property.name) ? property.name.text : undefined;
        if (!contextual || !name) continue;
        for (const part of contextual.isUnion() ? contextual.types : [contextual]) {
          const member = part.getProperty(name);
          const declaration = member?.declarations?.[0];
          if (!member || !declaration || !isProjectFile(declaration.getSourceFile(), projectDir)) continue;
          if (!ts.isPropertySignature(declaration) && !ts.isMethodSignature(declaration)) continue;
          const type = checker.getNonNullableType(checker.getTypeOfSymbol(member));
          if (type.getCallSignatures().length === 0) continue;
          byMember.set(declaration, [...(byMember.get(declaration) ?? []), property]);
          implementing.add(property);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const file of program.getSourceFiles()) if (isProjectFile(file, projectDir)) visit(file);
  return { byMember, implementing };
}

/**
 * The SDK operations reachable from each entry file, by entry.
 * @param entryFiles handler files, absolute or relative to `projectDir`
 * @example traceSdkOperations(['functions/pollJob/handler.ts'])
 * // { 'functions/pollJob/handler.ts': [{ client: 'client-sagemaker', operation: 'DescribeInferenceRecommendationsJob', takesTags: false }] }
 */
export function traceSdkOperations(
  entryFiles: string[],
  projectDir: string = process.cwd(),
): Record<string, SdkOperation[]> {
  const roots = entryFiles.map((file) => resolve(projectDir, file));
  const program = createProgram(roots, projectDir);
  const checker = program.getTypeChecker();
  const { byMember, implementing } = indexImplementations(program, projectDir);

  const symbolAt = (node: ts.Node): ts.Symbol | undefined => {
    const symbol = checker.getSymbolAtLocation(node);
    if (!symbol) return undefined;
    return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  };

  /** The operation an imported `XCommand` or `paginateX` of a client package names. */
  const operationOf = (symbol: ts.Symbol): SdkOperation | undefined => {
    const client = clientPackageOf(symbol);
    if (!client) return undefined;
    const name = symbol.declarations?.[0] && (symbol.declarations[0] as ts.ImportSpecifier).propertyName;
    const imported = name && ts.isIdentifier(name) ? name.text : symbol.name;
    const command = /^([A-Z][A-Za-z0-9]*)Command$/.exec(imported)?.[1];
    const operation = command ?? /^paginate([A-Z][A-Za-z0-9]*)$/.exec(imported)?.[1];
    if (!operation) return undefined;
    return { client, operation, takesTags: commandTakesTags(client, operation, projectDir), via: [] };
  };

  /** The project function (declaration) an expression names, if it names one. */
  const projectFunctionOf = (expression: ts.Expression): ts.SignatureDeclaration | undefined => {
    if (!ts.isIdentifier(expression) && !ts.isPropertyAccessExpression(expression)) return undefined;
    for (const declaration of symbolAt(expression)?.declarations ?? []) {
      if (!isProjectFile(declaration.getSourceFile(), projectDir)) continue;
      if (ts.isFunctionDeclaration(declaration) || ts.isMethodDeclaration(declaration)) return declaration;
      if (isNamedFunction(declaration))
        return (declaration as ts.VariableDeclaration).initializer as ts.ArrowFunction;
    }
    return undefined;
  };

  /**
   * Whether a call builds a port implementation (`createAwsTrafficHistory(clients, read)`): its
   * callee returns a type with a member some object literal implements. A function passed to
   * any other call (`createOrAdopt(create)`, `callAws(label, send)`) runs as part of that call.
   */
  const isFactoryCall = (node: ts.CallExpression | ts.NewExpression): boolean => {
    const callee = projectFunctionOf(node.expression);
    const signature = callee && checker.getSignatureFromDeclaration(callee);
    if (!signature) return false;
    const returned = checker.getReturnTypeOfSignature(signature);
    return returned.getProperties().some((member) => {
      const declaration = member.declarations?.[0];
      return declaration !== undefined && byMember.has(declaration);
    });
  };

  /**
   * Functions passed by name to a factory, by the parameter that receives them:
   * `createAwsTrafficHistory(clients, readInvocationHistory)` binds its second parameter, so
   * readInvocationHistory counts where the history port's method uses that parameter, not in
   * every handler that builds the ports.
   */
  const bindings = new Map<ts.Declaration, ts.Declaration[]>();
  const bind = (node: ts.Node) => {
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && isFactoryCall(node)) {
      const callee = projectFunctionOf(node.expression);
      (node.arguments ?? []).forEach((argument, index) => {
        const passed = projectFunctionOf(argument);
        const parameter = callee?.parameters[index];
        if (!passed || !parameter) return;
        bindings.set(parameter, [...(bindings.get(parameter) ?? []), passed]);
      });
    }
    ts.forEachChild(node, bind);
  };
  for (const file of program.getSourceFiles()) if (isProjectFile(file, projectDir)) bind(file);

  const traceFrom = (entry: ts.SourceFile): SdkOperation[] => {
    const found = new Map<string, SdkOperation>();
    const followed = new Set<ts.Node>();
    const path: string[] = [];
    const follow = (node: ts.Node | undefined, label: string) => {
      if (!node || followed.has(node) || !isProjectFile(node.getSourceFile(), projectDir)) return;
      followed.add(node);
      path.push(label);
      ts.forEachChild(node, visit);
      path.pop();
    };
    const followDeclaration = (declaration: ts.Declaration) => {
      const label = `${relative(projectDir, declaration.getSourceFile().fileName)}:${nameOf(declaration)}`;
      if (ts.isPropertySignature(declaration) || ts.isMethodSignature(declaration)) {
        for (const implementation of byMember.get(declaration) ?? []) follow(implementation, label);
        return;
      }
      if (
        ts.isFunctionDeclaration(declaration) ||
        ts.isMethodDeclaration(declaration) ||
        ts.isArrowFunction(declaration) ||
        ts.isFunctionExpression(declaration)
      )
        follow(declaration, label);
      else if (
        (ts.isVariableDeclaration(declaration) || ts.isPropertyAssignment(declaration)) &&
        declaration.initializer
      )
        follow(declaration.initializer, label);
      else if (ts.isShorthandPropertyAssignment(declaration)) {
        const value = checker.getShorthandAssignmentValueSymbol(declaration);
        for (const d of value?.declarations ?? []) followDeclaration(d);
      }
    };
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isTypeNode(node)) return;
      if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
      // A named function runs when it is called (or passed on): followed from its uses.
      if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || isNamedFunction(node)) return;
      if (ts.isObjectLiteralExpression(node)) {
        // Members implementing an interface method run only when that method is called.
        for (const property of node.properties) if (!implementing.has(property)) visit(property);
        return;
      }
      if (ts.isIdentifier(node) && isDeclarationName(node)) return;
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && isFactoryCall(node)) {
        // A function handed to a factory runs where the port it builds uses that parameter.
        visit(node.expression);
        for (const argument of node.arguments ?? []) if (!projectFunctionOf(argument)) visit(argument);
        return;
      }
      if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) {
        const symbol = checker.getSymbolAtLocation(node);
        const operation = symbol && operationOf(symbol);
        const key = operation && `${operation.client}:${operation.operation}`;
        if (operation && key && !found.has(key)) found.set(key, { ...operation, via: [...path] });
        else
          for (const declaration of symbolAt(node)?.declarations ?? []) {
            if (ts.isParameter(declaration))
              for (const bound of bindings.get(declaration) ?? []) followDeclaration(bound);
            else followDeclaration(declaration);
          }
        return;
      }
      ts.forEachChild(node, visit);
    };
    // The Lambda entry point is the module's `handler` export (`functions/x/handler.handler`).
    const exported = checker.getSymbolAtLocation(entry);
    const handler = exported && checker.getExportsOfModule(exported).find((e) => e.name === 'handler');
    const declaration = handler?.declarations?.[0];
    if (declaration) followDeclaration(declaration);
    else visit(entry);
    return [...found.values()].sort((a, b) =>
      `${a.client}:${a.operation}`.localeCompare(`${b.client}:${b.operation}`),
    );
  };

  const result: Record<string, SdkOperation[]> = {};
  entryFiles.forEach((file, index) => {
    const source = program.getSourceFile(roots[index] ?? '');
    if (!source) throw new Error(`sdk-calls: cannot read ${file}`);
    result[file] = traceFrom(source);
  });
  return result;
}

/** Where a handler reference of serverless.yml (`functions/x/handler.handler`) has its source. */
export function handlerSourceFile(handler: string, projectDir: string = process.cwd()): string {
  const modulePath = handler.slice(0, handler.lastIndexOf('.'));
  return relative(
    projectDir,
    join(dirname(resolve(projectDir, modulePath)), `${modulePath.split('/').at(-1)}.ts`),
  );
}
