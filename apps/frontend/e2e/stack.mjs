// The real stack the end-to-end suite drives: redis-server, the API under gunicorn (from the
// repo's .venv, serving the published model, with a key file of its own) and `vite preview`
// serving the built app with `/api` proxied to the API (the proxy sends the frontend's key).
// Everything is started here and stopped by its own PID.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, openSync, readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check, what, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${what}: the process exited with ${child.exitCode}`);
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

export class Stack {
  constructor({ repoRoot, artifacts, outputDir }) {
    this.repoRoot = repoRoot;
    this.artifacts = artifacts;
    this.outputDir = outputDir;
    this.children = {};
  }

  start(name, command, args, env = {}, cwd = this.repoRoot) {
    const log = openSync(join(this.outputDir, `${name}.log`), "w");
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", log, log] });
    this.children[name] = child;
    return child;
  }

  async startRedis() {
    if (!existsSync("/usr/bin/redis-server")) throw new Error("redis-server is missing: apt-get install -y redis-server (scripts/install-system-deps.sh does)");
    this.redisPort = await freePort();
    const child = this.start("redis", "/usr/bin/redis-server", ["--port", String(this.redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
    await waitFor(async () => (await this.redisPing()) === "+PONG", "redis-server", 10_000, child);
  }

  redisPing() {
    return new Promise((resolve, reject) => {
      const socket = connect(this.redisPort, "127.0.0.1", () => socket.write("PING\r\n"));
      socket.on("data", (data) => {
        resolve(data.toString().trim());
        socket.destroy();
      });
      socket.on("error", reject);
    });
  }

  /** A fresh key file (python -m tunedin_api.keys): the proxy's frontend key, and an admin key for the suite's own calls. */
  createKeys() {
    const python = join(this.repoRoot, ".venv", "bin", "python");
    this.keysFile = join(this.outputDir, "api-keys.json");
    const add = (scopes, name) =>
      execFileSync(python, ["-m", "tunedin_api.keys", "add", "--scopes", scopes, "--name", name, "--file", this.keysFile], {
        cwd: this.repoRoot,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }).trim();
    this.frontendKey = add("recommendations:read,feedback:write,history:read,users:delete", "e2e frontend");
    this.adminKey = add("admin", "e2e admin");
  }

  /** A request straight to the API with the admin key (the suite checking what the API holds). */
  apiFetch(path, init = {}) {
    return fetch(`${this.apiUrl}${path}`, { ...init, headers: { ...init.headers, Authorization: `Bearer ${this.adminKey}` } });
  }

  async startApi() {
    const current = join(this.artifacts, "CURRENT");
    if (!existsSync(current)) throw new Error(`no published model in ${this.artifacts}: run \`make pipeline\` first`);
    this.modelId = readFileSync(current, "utf8").trim();
    const gunicorn = join(this.repoRoot, ".venv", "bin", "gunicorn");
    if (!existsSync(gunicorn)) throw new Error(`${gunicorn} is missing: run \`make setup\` (the API's dependencies) first`);
    this.createKeys();
    this.apiPort = await freePort();
    this.apiUrl = `http://127.0.0.1:${this.apiPort}`;
    const child = this.start("api", gunicorn, ["-c", "apps/api/tunedin_api/gunicorn_conf.py", "tunedin_api.main:create_app()"], {
      TUNEDIN_ARTIFACTS: this.artifacts,
      TUNEDIN_REDIS_URL: `redis://127.0.0.1:${this.redisPort}/0`,
      TUNEDIN_HOST: "127.0.0.1",
      TUNEDIN_PORT: String(this.apiPort),
      TUNEDIN_WORKERS: "1",
      TUNEDIN_API_KEYS_FILE: this.keysFile,
    });
    await waitFor(async () => (await fetch(`${this.apiUrl}/readyz`)).ok, "API /readyz", 90_000, child);
  }

  async startFrontend(frontendDir) {
    this.webPort = await freePort();
    this.webUrl = `http://127.0.0.1:${this.webPort}`;
    const vite = join(frontendDir, "node_modules", ".bin", "vite");
    // --bypass-lock: a demo (`vite preview`) of this project may be running at the same time.
    const args = ["preview", "--host", "127.0.0.1", "--port", String(this.webPort), "--strictPort", "--bypass-lock"];
    const child = this.start("frontend", vite, args, { TUNEDIN_API_URL: this.apiUrl, TUNEDIN_API_KEY: this.frontendKey }, frontendDir);
    await waitFor(async () => (await fetch(this.webUrl)).ok, "vite preview", 30_000, child);
  }

  async stop(name) {
    const child = this.children[name];
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
  }

  async stopAll() {
    for (const name of ["frontend", "api", "redis"]) await this.stop(name);
  }
}
