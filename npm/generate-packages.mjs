#!/usr/bin/env node
// Writes the npm packages of ssmgen from npm/platforms.json and Cargo.toml:
//
//   <out>/ssmgen/    the main package: bin/ssmgen (the launcher), with every platform
//                    package as an optional dependency at exactly the same version
//   <out>/<id>/      one package per platform (os, cpu and libc set, so npm installs
//                    only the one that fits), holding the binary when one is given
//
// Usage:
//   node npm/generate-packages.mjs --out DIR [--binary ID=PATH]... [--binaries DIR]
//                                  [--require-binaries] [--repository URL]
//
//   --binary ID=PATH    copy PATH into the package of platform ID (e.g. linux-x64-gnu)
//   --binaries DIR      for every platform, copy DIR/<id>/<binary> when it exists
//   --require-binaries  fail unless every platform got its binary (for publishing)
//   --repository URL    the `repository` of every manifest (npm's provenance checks that
//                       it is the repository the release workflow runs in)
//
// Then `npm pack` or `npm publish` each folder: the platform packages first, the main
// package last. No dependencies: Node 18 or later.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");
const MAIN = "ssmgen";
const NODE_ENGINES = ">=18";
const OS_NAMES = { linux: "Linux", darwin: "macOS", win32: "Windows" };

function die(message) {
  console.error(`generate-packages: ${message}`);
  process.exit(2);
}

// name, version, description and license from the [package] table of Cargo.toml.
export function cargoPackage(text) {
  const fields = {};
  let inPackage = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      inPackage = line === "[package]";
      continue;
    }
    const m = inPackage && line.match(/^(name|version|description|license)\s*=\s*"([^"]*)"/);
    if (m) fields[m[1]] = m[2];
  }
  for (const key of ["name", "version", "description", "license"]) {
    if (!fields[key]) die(`Cargo.toml: no ${key} in [package]`);
  }
  return fields;
}

export function loadPlatforms(text) {
  const { platforms } = JSON.parse(text);
  const seen = new Set();
  for (const p of platforms) {
    for (const key of ["id", "package", "os", "cpu", "target", "binary", "runner"]) {
      if (typeof p[key] !== "string" || !p[key]) die(`platforms.json: ${p.id ?? "?"}: no ${key}`);
    }
    if (p.package !== `@ssmgen/cli-${p.id}`) die(`platforms.json: ${p.id}: package must be @ssmgen/cli-${p.id}`);
    if ((p.os === "linux") !== ["glibc", "musl"].includes(p.libc)) {
      die(`platforms.json: ${p.id}: libc is glibc or musl on Linux, absent elsewhere`);
    }
    const key = [p.os, p.cpu, p.libc ?? ""].join(" ");
    if (seen.has(p.id) || seen.has(key)) die(`platforms.json: ${p.id}: listed twice`);
    seen.add(p.id).add(key);
  }
  return platforms;
}

function describe(p) {
  const libc = p.libc ? ` (${p.libc})` : "";
  return `${OS_NAMES[p.os] ?? p.os} ${p.cpu}${libc}`;
}

function repository(url) {
  return url ? { repository: { type: "git", url: `git+${url.replace(/\.git$/, "")}.git` } } : {};
}

export function platformManifest(p, cargo, repo) {
  return {
    name: p.package,
    version: cargo.version,
    description: `The ssmgen binary for ${describe(p)}. Install the package ${MAIN} instead: it depends on this one.`,
    license: cargo.license,
    ...repository(repo),
    os: [p.os],
    cpu: [p.cpu],
    ...(p.libc ? { libc: [p.libc] } : {}),
    files: [p.binary],
    // Yarn's Plug'n'Play must unpack the package for the binary to be run.
    preferUnplugged: true,
  };
}

export function mainManifest(platforms, cargo, repo) {
  return {
    name: MAIN,
    version: cargo.version,
    description: cargo.description,
    license: cargo.license,
    ...repository(repo),
    keywords: ["aws", "cdk", "aws-cdk", "cloudformation", "terraform", "iam", "session-manager", "ssm"],
    bin: { [MAIN]: "bin/ssmgen" },
    files: ["bin/ssmgen"],
    engines: { node: NODE_ENGINES },
    optionalDependencies: Object.fromEntries(platforms.map((p) => [p.package, cargo.version])),
  };
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function parseArgs(argv) {
  const args = { out: null, binaries: new Map(), binariesDir: null, require: false, repository: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? die(`${a} needs a value`);
    if (a === "--out") args.out = resolve(value());
    else if (a === "--binaries") args.binariesDir = resolve(value());
    else if (a === "--require-binaries") args.require = true;
    else if (a === "--repository") args.repository = value();
    else if (a === "--binary") {
      const v = value();
      const eq = v.indexOf("=");
      if (eq < 1) die(`--binary takes ID=PATH, not ${v}`);
      args.binaries.set(v.slice(0, eq), resolve(v.slice(eq + 1)));
    } else die(`unknown argument ${a}`);
  }
  if (!args.out) die("--out DIR is required");
  return args;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const cargo = cargoPackage(readFileSync(join(ROOT, "Cargo.toml"), "utf8"));
  const platforms = loadPlatforms(readFileSync(join(HERE, "platforms.json"), "utf8"));
  for (const id of args.binaries.keys()) {
    if (!platforms.some((p) => p.id === id)) die(`--binary: no platform ${id} in platforms.json`);
  }

  const missing = [];
  for (const p of platforms) {
    const dir = join(args.out, p.id);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeJson(join(dir, "package.json"), platformManifest(p, cargo, args.repository));
    writeFileSync(join(dir, "README.md"),
      `# ${p.package}\n\nThe \`ssmgen\` binary for ${describe(p)} (Rust target \`${p.target}\`).\n\n` +
      `Install [\`${MAIN}\`](https://www.npmjs.com/package/${MAIN}) instead; npm picks this package ` +
      "for you on this platform.\n");
    let source = args.binaries.get(p.id);
    if (!source && args.binariesDir && existsSync(join(args.binariesDir, p.id, p.binary))) {
      source = join(args.binariesDir, p.id, p.binary);
    }
    if (source) {
      if (!existsSync(source)) die(`--binary ${p.id}: ${source} does not exist`);
      copyFileSync(source, join(dir, p.binary));
      chmodSync(join(dir, p.binary), 0o755);
      console.log(`wrote ${dir} (${p.package}@${cargo.version}, binary from ${source})`);
    } else {
      missing.push(p.id);
      console.log(`wrote ${dir} (${p.package}@${cargo.version}, manifest only)`);
    }
  }
  if (args.require && missing.length) die(`no binary for ${missing.join(", ")}`);

  const dir = join(args.out, MAIN);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "bin"), { recursive: true });
  writeJson(join(dir, "package.json"), mainManifest(platforms, cargo, args.repository));
  copyFileSync(join(HERE, "bin", "ssmgen"), join(dir, "bin", "ssmgen"));
  chmodSync(join(dir, "bin", "ssmgen"), 0o755);
  copyFileSync(join(ROOT, "README.md"), join(dir, "README.md"));
  console.log(`wrote ${dir} (${MAIN}@${cargo.version})`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
