// The npm packages of every platform, including those that cannot be built here: their
// manifests as generate-packages.mjs writes them, the main package's optional
// dependencies, and the launcher (bin/ssmgen): its table against platforms.json, its
// SSMGEN_BINARY override, exit codes, signals and the error for a missing package.
// Run: node --test npm/test/packages.test.mjs (tests/packaging.rs runs it in cargo test).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const NPM = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = resolve(NPM, "..");
const require = createRequire(import.meta.url);
const launcher = require(join(NPM, "bin", "ssmgen"));
const { platforms } = JSON.parse(readFileSync(join(NPM, "platforms.json"), "utf8"));
const cargoVersion = readFileSync(join(ROOT, "Cargo.toml"), "utf8")
  .split("[package]")[1].match(/^version\s*=\s*"([^"]+)"/m)[1];

const tmp = mkdtempSync(join(tmpdir(), "ssmgen-npm-test-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function generate(out, ...extra) {
  return spawnSync(process.execPath, [join(NPM, "generate-packages.mjs"), "--out", out, ...extra],
    { encoding: "utf8" });
}

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

describe("platforms.json", () => {
  test("lists the six platforms of the issue, each once", () => {
    assert.deepEqual(platforms.map((p) => p.id).sort(), [
      "darwin-arm64", "darwin-x64", "linux-arm64-gnu", "linux-arm64-musl",
      "linux-x64-gnu", "linux-x64-musl", "win32-x64",
    ]);
  });
  test("names match targets, binaries and runners", () => {
    const triple = { x64: "x86_64", arm64: "aarch64" };
    const vendor = { linux: "unknown-linux", darwin: "apple-darwin", win32: "pc-windows-msvc" };
    for (const p of platforms) {
      assert.equal(p.package, `@ssmgen/cli-${p.id}`);
      const abi = p.os === "linux" ? (p.libc === "musl" ? "-musl" : "-gnu") : "";
      assert.equal(p.target, `${triple[p.cpu]}-${vendor[p.os]}${abi}`, p.id);
      assert.equal(p.binary, p.os === "win32" ? "ssmgen.exe" : "ssmgen", p.id);
      assert.match(p.runner, { linux: /^ubuntu-/, darwin: /^macos-/, win32: /^windows-/ }[p.os], p.id);
      assert.equal(p.runner.endsWith("-arm"), p.os === "linux" && p.cpu === "arm64", p.id);
      if (p.os === "linux") {
        assert.equal(p.manylinux, p.libc === "musl" ? "musllinux_1_2" : "2_17", p.id);
      } else {
        assert.equal(p.libc, undefined, p.id);
        assert.equal(p.manylinux, undefined, p.id);
      }
    }
  });
});

describe("generated manifests (no binaries)", () => {
  const out = join(tmp, "manifests");
  before(() => {
    const r = generate(out);
    assert.equal(r.status, 0, r.stderr);
  });

  test("one folder per platform plus the main package, nothing else", () => {
    assert.deepEqual(readdirSync(out).sort(), [...platforms.map((p) => p.id), "ssmgen"].sort());
  });

  for (const p of platforms) {
    test(`${p.package}: os, cpu, libc, version, files`, () => {
      const m = readJson(join(out, p.id, "package.json"));
      assert.equal(m.name, p.package);
      assert.equal(m.version, cargoVersion);
      assert.equal(m.license, "Apache-2.0");
      assert.deepEqual(m.os, [p.os]);
      assert.deepEqual(m.cpu, [p.cpu]);
      if (p.os === "linux") assert.deepEqual(m.libc, [p.libc]);
      else assert.equal("libc" in m, false);
      assert.deepEqual(m.files, [p.binary]);
      assert.equal(m.preferUnplugged, true);
      for (const key of ["bin", "scripts", "dependencies", "optionalDependencies"]) {
        assert.equal(key in m, false, `${p.package} has ${key}`);
      }
      assert.equal(existsSync(join(out, p.id, p.binary)), false);
    });
  }

  test("main package: bin, engines, license, files", () => {
    const m = readJson(join(out, "ssmgen", "package.json"));
    assert.equal(m.name, "ssmgen");
    assert.equal(m.version, cargoVersion);
    assert.equal(m.license, "Apache-2.0");
    assert.deepEqual(m.bin, { ssmgen: "bin/ssmgen" });
    assert.deepEqual(m.files, ["bin/ssmgen"]);
    assert.ok(m.engines.node.startsWith(">="));
    assert.equal("dependencies" in m, false);
    assert.equal("scripts" in m, false, "no install scripts: nothing runs at npm install");
    const launcherCopy = join(out, "ssmgen", "bin", "ssmgen");
    assert.equal(readFileSync(launcherCopy, "utf8"), readFileSync(join(NPM, "bin", "ssmgen"), "utf8"));
    assert.ok(statSync(launcherCopy).mode & 0o111, "launcher is executable");
    assert.ok(readFileSync(launcherCopy, "utf8").startsWith("#!/usr/bin/env node\n"));
  });

  test("main package: every platform package as optional dependency at the exact version", () => {
    const m = readJson(join(out, "ssmgen", "package.json"));
    assert.deepEqual(m.optionalDependencies,
      Object.fromEntries(platforms.map((p) => [p.package, cargoVersion])));
  });
});

describe("generate-packages.mjs with binaries", () => {
  test("--binary copies the binary in, executable", () => {
    const out = join(tmp, "with-binary");
    const fake = join(tmp, "fake-ssmgen");
    writeFileSync(fake, "#!/bin/sh\necho fake\n");
    const r = generate(out, "--binary", `linux-x64-gnu=${fake}`, "--binary", `win32-x64=${fake}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(out, "linux-x64-gnu", "ssmgen"), "utf8"), "#!/bin/sh\necho fake\n");
    assert.ok(statSync(join(out, "linux-x64-gnu", "ssmgen")).mode & 0o111);
    assert.ok(existsSync(join(out, "win32-x64", "ssmgen.exe")));
    assert.equal(existsSync(join(out, "darwin-arm64", "ssmgen")), false);
  });

  test("--binaries DIR takes DIR/<id>/<binary>; --require-binaries refuses a missing one", () => {
    const bins = join(tmp, "bins");
    for (const p of platforms.slice(1)) {
      const d = join(bins, p.id);
      spawnSync("mkdir", ["-p", d]);
      writeFileSync(join(d, p.binary), p.id);
    }
    const out = join(tmp, "from-dir");
    let r = generate(out, "--binaries", bins, "--require-binaries");
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`no binary for ${platforms[0].id}$`, "m"));
    writeFileSync(join(tmp, "first"), "first");
    r = generate(out, "--binaries", bins, "--binary", `${platforms[0].id}=${join(tmp, "first")}`,
      "--require-binaries");
    assert.equal(r.status, 0, r.stderr);
    for (const p of platforms.slice(1)) {
      assert.equal(readFileSync(join(out, p.id, p.binary), "utf8"), p.id);
    }
  });

  test("--repository sets every manifest's repository", () => {
    const out = join(tmp, "with-repository");
    const r = generate(out, "--repository", "https://github.com/example/ssmgen");
    assert.equal(r.status, 0, r.stderr);
    for (const dir of [...platforms.map((p) => p.id), "ssmgen"]) {
      assert.deepEqual(readJson(join(out, dir, "package.json")).repository,
        { type: "git", url: "git+https://github.com/example/ssmgen.git" }, dir);
    }
  });

  test("refuses an unknown platform and a missing file", () => {
    let r = generate(join(tmp, "bad"), "--binary", "plan9-x64=/bin/sh");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no platform plan9-x64/);
    r = generate(join(tmp, "bad"), "--binary", `linux-x64-gnu=${join(tmp, "nope")}`);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /does not exist/);
  });
});

describe("launcher table", () => {
  test("maps every platform of the list to its package and binary", () => {
    for (const p of platforms) {
      assert.deepEqual(launcher.packageFor(p.os, p.cpu, p.libc), { pkg: p.package, bin: p.binary }, p.id);
    }
  });
  test("has no entry that is not in the list", () => {
    assert.equal(Object.keys(launcher.PLATFORMS).length, platforms.length);
    const packages = new Set(platforms.map((p) => p.package));
    for (const entry of Object.values(launcher.PLATFORMS)) assert.ok(packages.has(entry.pkg), entry.pkg);
  });
  test("libc decides on Linux only; unknown platforms have none", () => {
    assert.equal(launcher.packageFor("linux", "x64", "musl").pkg, "@ssmgen/cli-linux-x64-musl");
    assert.equal(launcher.packageFor("darwin", "arm64", "glibc").pkg, "@ssmgen/cli-darwin-arm64");
    assert.equal(launcher.packageFor("freebsd", "x64", undefined), null);
    assert.equal(launcher.packageFor("linux", "ia32", "glibc"), null);
  });
  test("libc detection agrees with ldd here", { skip: process.platform !== "linux" }, () => {
    const ldd = spawnSync("ldd", ["--version"], { encoding: "utf8" });
    assert.equal(launcher.isMusl(), `${ldd.stdout}${ldd.stderr}`.includes("musl"));
  });
});

describe("launcher run", { skip: process.platform === "win32" }, () => {
  // A main package installed without its platform package, and stand-in binaries.
  const app = join(tmp, "app");
  const bin = join(app, "node_modules", "ssmgen", "bin", "ssmgen");
  before(() => {
    const r = generate(join(app, "node_modules"));
    assert.equal(r.status, 0, r.stderr);
  });

  function stub(name, body) {
    const path = join(tmp, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  function launch(args, env) {
    return spawnSync(process.execPath, [bin, ...args], {
      encoding: "utf8", env: { ...process.env, SSMGEN_BINARY: "", ...env },
    });
  }

  test("SSMGEN_BINARY: same arguments, standard streams and exit code", () => {
    const echo = stub("echo-args", 'for a in "$@"; do printf "[%s]" "$a"; done; echo; cat; echo err >&2; exit 3');
    const r = spawnSync(process.execPath, [bin, "generate", "a b.yaml", "--check", ""], {
      encoding: "utf8", input: "from stdin\n", env: { ...process.env, SSMGEN_BINARY: echo },
    });
    assert.equal(r.stdout, "[generate][a b.yaml][--check][]\nfrom stdin\n");
    assert.equal(r.stderr, "err\n");
    assert.equal(r.status, 3);
  });

  for (const code of [0, 1, 2, 3, 4]) {
    test(`exit code ${code} passes through`, () => {
      assert.equal(launch([], { SSMGEN_BINARY: stub(`exit-${code}`, `exit ${code}`) }).status, code);
    });
  }

  test("a death by signal is passed on as the same signal", () => {
    const r = launch([], { SSMGEN_BINARY: stub("kill-self", "kill -TERM $$") });
    assert.equal(r.signal, "SIGTERM");
    assert.equal(r.status, null);
  });

  test("a signal sent to the launcher reaches the binary", () => {
    const marker = join(tmp, "got-term");
    const waiting = stub("wait-term", `trap 'echo term > ${marker}; exit 5' TERM; echo ready; while :; do sleep 0.05; done`);
    const script = `
      const { spawn } = require("node:child_process");
      const c = spawn(process.execPath, [${JSON.stringify(bin)}], {
        env: { ...process.env, SSMGEN_BINARY: ${JSON.stringify(waiting)} }, stdio: ["ignore", "pipe", "inherit"] });
      c.stdout.once("data", () => c.kill("SIGTERM"));
      c.on("exit", (code, signal) => console.log(JSON.stringify({ code, signal })));`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 20000 });
    assert.deepEqual(JSON.parse(r.stdout), { code: 5, signal: null });
    assert.equal(readFileSync(marker, "utf8"), "term\n");
  });

  test("a missing platform package: exit 127 and the package named", () => {
    const r = launch(["--version"]);
    const expected = launcher.packageFor(process.platform, process.arch,
      launcher.isMusl() ? "musl" : "glibc");
    assert.equal(r.status, 127);
    assert.equal(r.stdout, "");
    if (expected) {
      assert.match(r.stderr, new RegExp(`the package ${expected.pkg} is not installed`));
      assert.match(r.stderr, new RegExp(`npm install --save-dev ${expected.pkg}@${cargoVersion.replace(/\./g, "\\.")}`));
    }
    assert.match(r.stderr, /SSMGEN_BINARY/);
  });

  test("a binary that cannot be found or run: 127 and 126", () => {
    assert.equal(launch([], { SSMGEN_BINARY: join(tmp, "no-such-binary") }).status, 127);
    const notExecutable = join(tmp, "not-executable");
    writeFileSync(notExecutable, "#!/bin/sh\nexit 0\n");
    chmodSync(notExecutable, 0o644);
    const r = launch([], { SSMGEN_BINARY: notExecutable });
    assert.equal(r.status, 126);
    assert.match(r.stderr, /permission denied/);
  });

  test("the installed platform package is found and run", () => {
    const p = platforms.find((x) => x.package === launcher.packageFor(process.platform, process.arch,
      launcher.isMusl() ? "musl" : "glibc")?.pkg);
    if (!p) return;
    const r0 = generate(join(tmp, "installed", "node_modules"), "--binary",
      `${p.id}=${stub("pretend-binary", "echo pretend $1; exit 1")}`);
    assert.equal(r0.status, 0, r0.stderr);
    // npm puts a scoped package in node_modules/@scope/name: move the generated folder there.
    const nm = join(tmp, "installed", "node_modules");
    spawnSync("mkdir", ["-p", join(nm, "@ssmgen")]);
    spawnSync("mv", [join(nm, p.id), join(nm, p.package)]);
    const r = spawnSync(process.execPath, [join(nm, "ssmgen", "bin", "ssmgen"), "--version"],
      { encoding: "utf8", env: { ...process.env, SSMGEN_BINARY: "" } });
    assert.equal(r.stdout, "pretend --version\n");
    assert.equal(r.status, 1);
  });
});
