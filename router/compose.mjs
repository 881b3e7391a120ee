#!/usr/bin/env node
// Composes the subgraphs listed in ../supergraph.yaml (rover's format) into supergraph.graphql,
// with @apollo/composition: the library `rover supergraph compose` runs, so both give the same SDL.
//
//   node compose.mjs            write supergraph.graphql
//   node compose.mjs --check    exit 1 when the committed file differs from a fresh composition
//   options: --config <supergraph.yaml>  --out <supergraph.graphql>  (defaults: the repository's)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { parse as parseYaml } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const args = { check: false, config: resolve(here, '../supergraph.yaml'), out: resolve(here, 'supergraph.graphql') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') args.check = true;
    else if (arg === '--config') args.config = resolve(argv[++i]);
    else if (arg === '--out') args.out = resolve(argv[++i]);
    else fail(`unknown argument ${arg} (expected --check, --config <file>, --out <file>)`);
  }
  return args;
}

function fail(message) {
  console.error(`compose: ${message}`);
  process.exit(2);
}

function compositionVersion() {
  const pkg = resolve(here, 'node_modules/@apollo/composition/package.json');
  return JSON.parse(readFileSync(pkg, 'utf8')).version;
}

/** The subgraphs of a rover config: name, routing URL and parsed SDL (paths relative to the config). */
function loadSubgraphs(configPath) {
  if (!existsSync(configPath)) fail(`${configPath} not found`);
  const config = parseYaml(readFileSync(configPath, 'utf8'));
  // Rover reads federation_version as the composition release to run; pinning the same release
  // as package.json keeps `rover supergraph compose` and this script byte-for-byte alike.
  const wanted = String(config.federation_version ?? '').replace(/^=/, '');
  const installed = compositionVersion();
  if (wanted !== installed) {
    fail(`supergraph.yaml asks for federation_version =${wanted}, but @apollo/composition ${installed} is installed`);
  }
  const entries = Object.entries(config.subgraphs ?? {});
  if (entries.length === 0) fail(`${configPath} lists no subgraphs`);
  return entries.map(([name, sub]) => {
    const file = sub?.schema?.file;
    if (!file) fail(`subgraph ${name}: only "schema: file:" is supported`);
    const path = resolve(dirname(configPath), file);
    if (!existsSync(path)) {
      fail(`subgraph ${name}: ${relative(process.cwd(), path)} is missing (export it: python -m subgraphs.common.sdl ${name})`);
    }
    let typeDefs;
    try {
      typeDefs = parse(readFileSync(path, 'utf8'));
    } catch (error) {
      fail(`subgraph ${name}: ${relative(process.cwd(), path)} does not parse: ${error.message}`);
    }
    return { name, url: sub.routing_url, typeDefs };
  });
}

function compose(subgraphs, { hints = true } = {}) {
  const result = composeServices(subgraphs);
  if (result.errors?.length) {
    console.error(`compose: composition failed with ${result.errors.length} error(s):`);
    for (const error of result.errors) {
      const code = error.extensions?.code ? `[${error.extensions.code}] ` : '';
      console.error(`  - ${code}${error.message}`);
    }
    process.exit(1);
  }
  for (const hint of hints ? (result.hints ?? []) : []) {
    // Each subgraph lists only the ErrorCode values it answers, and the union is the contract's enum: by design.
    if (hint.definition?.code === 'INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM' && hint.message.includes('enum type "ErrorCode"')) continue;
    console.error(`compose: hint [${hint.definition?.code ?? 'HINT'}] ${hint.message}`);
  }
  return result.supergraphSdl.trimEnd() + '\n';
}

function firstDifference(a, b) {
  const left = a.split('\n');
  const right = b.split('\n');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i]) {
      return `line ${i + 1}:\n  committed: ${left[i] ?? '<end of file>'}\n  composed:  ${right[i] ?? '<end of file>'}`;
    }
  }
  return 'no line differs';
}

const args = parseArgs(process.argv.slice(2));
// --check stays quiet about hints: they were shown when the committed file was written.
const sdl = compose(loadSubgraphs(args.config), { hints: !args.check });
const shown = relative(process.cwd(), args.out) || args.out;
if (args.check) {
  const committed = existsSync(args.out) ? readFileSync(args.out, 'utf8') : '';
  if (committed !== sdl) {
    console.error(`compose: ${shown} is out of date; first difference at ${firstDifference(committed, sdl)}`);
    console.error('compose: regenerate it with `cd router && npm run compose`');
    process.exit(1);
  }
  console.log(`compose: ${shown} is up to date`);
} else {
  writeFileSync(args.out, sdl);
  console.log(`compose: wrote ${shown}`);
}
