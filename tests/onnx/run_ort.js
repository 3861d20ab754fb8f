// Runs ONNX models in ONNX Runtime (npm onnxruntime-node) for the tests.
//
//   node run_ort.js jobs.json
//
// jobs.json: [{"model": "m.onnx", "inputs": {"x": {"dtype": "float32", "shape": [2, 3], "file": "x.bin"}},
//              "out_dir": "dir"}, ...]
// Inputs are raw little-endian arrays. For each job, every output is written to
// <out_dir>/<name>.bin and <out_dir>/result.json lists them ({"outputs": {name:
// {dtype, shape, file}}}) or holds {"error": message} when the session fails.
// Several models run in one process because starting node costs more than a run.
"use strict";
const fs = require("fs");
const path = require("path");

function loadOrt() {
  const candidates = [process.env.EMBER_ORT_DIR, path.join(__dirname, "..", "..", "third_party", "ort")].filter(Boolean);
  for (const dir of candidates) {
    try {
      return require(path.join(dir, "node_modules", "onnxruntime-node"));
    } catch (e) {
      // try the next place
    }
  }
  return require("onnxruntime-node");
}

const TYPED = {
  float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array,
  int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
};

function readInput(spec) {
  const Ctor = TYPED[spec.dtype];
  if (!Ctor) throw new Error(`unsupported input dtype ${spec.dtype}`);
  const buf = fs.readFileSync(spec.file);
  const copy = new ArrayBuffer(buf.length);
  new Uint8Array(copy).set(buf);
  return new Ctor(copy);
}

async function runJob(ort, job) {
  const session = await ort.InferenceSession.create(job.model, { graphOptimizationLevel: "disabled" });
  const feeds = {};
  for (const [name, spec] of Object.entries(job.inputs)) {
    feeds[name] = new ort.Tensor(spec.dtype, readInput(spec), spec.shape);
  }
  const results = await session.run(feeds);
  fs.mkdirSync(job.out_dir, { recursive: true });
  const outputs = {};
  for (const name of session.outputNames) {
    const t = results[name];
    const file = path.join(job.out_dir, `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.bin`);
    const data = t.data;
    fs.writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    outputs[name] = { dtype: t.type, shape: t.dims.map(Number), file };
  }
  return { outputs };
}

async function main() {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const ort = loadOrt();
  for (const job of jobs) {
    let result;
    try {
      result = await runJob(ort, job);
    } catch (e) {
      result = { error: String(e && e.message ? e.message : e) };
    }
    fs.mkdirSync(job.out_dir, { recursive: true });
    fs.writeFileSync(path.join(job.out_dir, "result.json"), JSON.stringify(result));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
