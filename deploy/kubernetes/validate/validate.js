#!/usr/bin/env node
// Validates the Kubernetes deployment in deploy/kubernetes offline:
//
//   1. renders it as `kubectl apply -k` would (`kubectl kustomize`, which
//      needs no cluster);
//   2. checks every object against the Kubernetes API schema of its kind
//      (the JSON schemas shipped by the kubernetes-models package: types,
//      required fields, enums, formats), and that it has no field its kind
//      lacks (the package's TypeScript declarations, through the compiler);
//   3. checks the project's rules, which no schema knows: every replica
//      set has a headless Service, a PodDisruptionBudget of maxUnavailable
//      1 and a NetworkPolicy of its own; the member URLs of cluster.json
//      are exactly the pods' DNS names, in ordinal order; every process
//      has probes, resources and the image's non-root, read-only settings;
//      its PEACEDB_* variables are settings the server knows; and no
//      secret value is part of the manifests.
//
// Usage: node validate.js [KUSTOMIZATION_DIR] (default: its parent folder).
// Prints one line per problem and exits 1 if there is any, 0 otherwise.
"use strict";

const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

if (!fs.existsSync(path.join(__dirname, "node_modules"))) {
  console.error(`validate: ${__dirname}/node_modules is missing: run deploy/install-deps.sh (npm ci --prefix ${__dirname})`);
  process.exit(1);
}
const YAML = require("yaml");

// apiVersion/kind -> the kubernetes-models module declaring it.
const KINDS = {
  "v1/Namespace": "kubernetes-models/v1/Namespace",
  "v1/ConfigMap": "kubernetes-models/v1/ConfigMap",
  "v1/Service": "kubernetes-models/v1/Service",
  "apps/v1/StatefulSet": "kubernetes-models/apps/v1/StatefulSet",
  "apps/v1/Deployment": "kubernetes-models/apps/v1/Deployment",
  "policy/v1/PodDisruptionBudget": "kubernetes-models/policy/v1/PodDisruptionBudget",
  "networking.k8s.io/v1/NetworkPolicy": "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
};

const PORT = 8080;
const UID = 10001;
const DATA_DIR = "/var/lib/peacedb";
const CONFIG_KEY = "cluster.json";

const problems = [];
function problem(where, what) {
  problems.push(`${where}: ${what}`);
}

function name(object) {
  return `${object.kind}/${object.metadata && object.metadata.name}`;
}

// --- rendering ---------------------------------------------------------------

function render(directory) {
  try {
    return execFileSync("kubectl", ["kustomize", directory], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const why = error.code === "ENOENT" ? "kubectl is not installed (deploy/install-deps.sh installs it)" : String(error.stderr || error.message).trim();
    console.error(`validate: cannot render ${directory}: ${why}`);
    process.exit(1);
  }
}

// --- schemas -----------------------------------------------------------------

function checkSchema(object) {
  const key = `${object.apiVersion}/${object.kind}`;
  if (!KINDS[key]) {
    problem(name(object), `${key} is not a kind this deployment uses (${Object.keys(KINDS).join(", ")})`);
    return;
  }
  const Model = require(KINDS[key])[object.kind];
  try {
    new Model(object).validate();
  } catch (error) {
    for (const detail of error.errors || [{ instancePath: "", message: error.message }])
      problem(name(object), `schema: ${detail.instancePath || "/"} ${detail.message}${detail.params ? " " + JSON.stringify(detail.params) : ""}`);
  }
}

// The JSON schemas allow any field they do not name (so does the API
// server, which drops it with a warning): a misspelt field would pass them
// and be lost. The TypeScript declarations of the same models name every
// field, and the compiler refuses an object literal with a field its type
// lacks ("excess property"), at any depth: each object is compiled as a
// literal of its kind's type.
function checkFields(objects) {
  const ts = require("typescript");
  const known = objects.filter((o) => KINDS[`${o.apiVersion}/${o.kind}`]);
  const lines = [];
  known.forEach((object, index) => {
    lines.push(`import { I${object.kind} as T${index} } from ${JSON.stringify(KINDS[`${object.apiVersion}/${object.kind}`])};`);
  });
  // The line each object's literal starts on, to name the object of an error.
  const starts = [];
  let next = lines.length;
  known.forEach((object, index) => {
    const literal = `export const o${index}: T${index} = ${JSON.stringify(object, null, 1)};`;
    starts.push(next);
    next += literal.split("\n").length;
    lines.push(literal);
  });
  const source = lines.join("\n");
  const file = path.join(__dirname, "manifests.generated.ts");
  const options = { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS,
                    moduleResolution: ts.ModuleResolutionKind.Node10, types: [] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile;
  host.readFile = (name) => (path.resolve(name) === file ? source : readFile(name));
  const fileExists = host.fileExists;
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (name, version) =>
    path.resolve(name) === file ? ts.createSourceFile(name, source, version) : getSourceFile(name, version);
  const program = ts.createProgram([file], options, host);
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n").split("\n").pop();
    if (!diagnostic.file || path.resolve(diagnostic.file.fileName) !== file) {
      problem("fields", message);
      continue;
    }
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    let index = starts.length - 1;
    while (index > 0 && starts[index] > line)
      --index;
    const text = source.split("\n")[line].trim();
    problem(name(known[index]), `fields: ${message} (at ${text.slice(0, 80)})`);
  }
}

// --- helpers -----------------------------------------------------------------

// Whether every label a selector asks for is among `labels`.
function selects(matchLabels, labels) {
  if (!matchLabels || Object.keys(matchLabels).length === 0)
    return false;
  return Object.entries(matchLabels).every(([key, value]) => labels && labels[key] === value);
}

function sameLabels(a, b) {
  return JSON.stringify(Object.entries(a || {}).sort()) === JSON.stringify(Object.entries(b || {}).sort());
}

// The environment variable of every setting the server knows, from the
// settings table in common/ServerConfig.cpp, named as
// ServerConfig::environmentName names them (Server.MaxBodyBytes ->
// PEACEDB_SERVER_MAX_BODY_BYTES).
function knownVariables(sourceDir) {
  const source = fs.readFileSync(path.join(sourceDir, "common", "ServerConfig.cpp"), "utf8");
  const names = new Set();
  for (const match of source.matchAll(/Setting\s*[({]\s*QStringLiteral\("([A-Za-z.]+)"\)/g)) {
    let out = "PEACEDB_";
    let previous = "";
    for (const c of match[1]) {
      if (c === ".") {
        out += "_";
      } else {
        if (/[A-Z]/.test(c) && /[a-z]/.test(previous))
          out += "_";
        out += c.toUpperCase();
      }
      previous = c;
    }
    names.add(out);
  }
  if (names.size < 20)
    problem("common/ServerConfig.cpp", `found only ${names.size} settings: has the settings table changed form?`);
  return names;
}

// The value of an environment variable, with $(VAR) references to earlier
// variables expanded as the kubelet does; fieldRef metadata.name becomes
// `podName`.
function environment(container, podName) {
  const values = {};
  for (const variable of container.env || []) {
    if (variable.valueFrom) {
      const field = variable.valueFrom.fieldRef && variable.valueFrom.fieldRef.fieldPath;
      values[variable.name] = field === "metadata.name" ? podName : undefined;
    } else {
      values[variable.name] = String(variable.value || "").replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, reference) =>
        reference in values && values[reference] !== undefined ? values[reference] : whole);
    }
  }
  return values;
}

function podTemplates(objects) {
  return objects.filter((o) => o.kind === "StatefulSet" || o.kind === "Deployment");
}

// --- project rules -----------------------------------------------------------

function checkNoSecrets(objects, kustomization) {
  if (/secretGenerator/.test(kustomization))
    problem("kustomization.yaml", "has a secretGenerator: the Secrets are made by hand (README, \"Kubernetes\"), never from files of the repository");
  for (const object of objects) {
    if (object.kind === "Secret")
      problem(name(object), "a Secret in the manifests: its value would be in the repository; make it with kubectl create secret");
    for (const workload of podTemplates([object])) {
      for (const container of workload.spec.template.spec.containers) {
        for (const variable of container.env || []) {
          if (/TOKEN|PASSWORD|SECRET|KEY/.test(variable.name) && variable.value !== undefined && !String(variable.value).startsWith("/"))
            problem(name(object), `env ${variable.name} holds a value, not a file path: secrets come from the mounted Secrets`);
        }
      }
    }
    if (object.kind === "ConfigMap") {
      for (const [key, value] of Object.entries(object.data || {})) {
        if (/"(Token|Password|AdminPassword)"\s*:/.test(value) || /token|password/i.test(key))
          problem(name(object), `data ${key} looks like it holds a secret`);
      }
    }
  }
}

function checkPodTemplate(workload, variables) {
  const where = name(workload);
  const pod = workload.spec.template.spec;
  if (pod.enableServiceLinks !== false)
    problem(where, "enableServiceLinks must be false: Service links add PEACEDB_* variables the server refuses to start on");
  const podSecurity = pod.securityContext || {};
  if (podSecurity.runAsNonRoot !== true || podSecurity.runAsUser !== UID || podSecurity.fsGroup !== UID)
    problem(where, `securityContext must run as the image's user: runAsNonRoot, runAsUser ${UID}, fsGroup ${UID}`);
  const volumes = new Map((pod.volumes || []).map((v) => [v.name, v]));
  const claims = new Set(((workload.spec.volumeClaimTemplates) || []).map((c) => c.metadata.name));
  for (const container of pod.containers) {
    const at = `${where} container ${container.name}`;
    for (const probe of ["readinessProbe", "livenessProbe"]) {
      if (!container[probe] || !container[probe].httpGet)
        problem(at, `has no HTTP ${probe}`);
    }
    if (container.readinessProbe && container.readinessProbe.httpGet && container.readinessProbe.httpGet.path !== "/healthz")
      problem(at, "the readiness probe must ask /healthz (a router answers 503 \"starting\" until it has heard from every shard)");
    if (container.livenessProbe && container.livenessProbe.httpGet && container.livenessProbe.httpGet.path === "/healthz")
      problem(at, "the liveness probe must not ask /healthz: a router waiting for its shards, or a member whose storage failed, would be restarted over and over");
    const resources = container.resources || {};
    if (!resources.requests || !resources.requests.cpu || !resources.requests.memory || !resources.limits || !resources.limits.memory)
      problem(at, "needs resources: requests cpu and memory, limits memory");
    const security = container.securityContext || {};
    if (security.readOnlyRootFilesystem !== true || security.allowPrivilegeEscalation !== false)
      problem(at, "securityContext must set readOnlyRootFilesystem: true and allowPrivilegeEscalation: false");
    if (!(container.ports || []).some((p) => p.containerPort === PORT && p.name === "http"))
      problem(at, `must expose port ${PORT} named http`);
    const dataMount = (container.volumeMounts || []).find((m) => m.mountPath === DATA_DIR);
    if (!dataMount || dataMount.readOnly)
      problem(at, `needs a writable volume at ${DATA_DIR} (the root file system is read-only)`);
    else if (!volumes.has(dataMount.name) && !claims.has(dataMount.name))
      problem(at, `mounts ${dataMount.name}, which is neither a volume nor a volume claim`);
    const env = environment(container, "pod");
    for (const variable of container.env || []) {
      if (variable.name.startsWith("PEACEDB_") && !variables.has(variable.name))
        problem(at, `env ${variable.name} is not a setting of the server (it would refuse to start)`);
    }
    for (const file of ["PEACEDB_SERVER_TOKEN_FILE", "PEACEDB_SERVER_ADMIN_PASSWORD_FILE"]) {
      const value = env[file];
      const mount = value && (container.volumeMounts || []).find((m) => value.startsWith(m.mountPath + "/"));
      if (!mount)
        problem(at, `${file} must name a file in a mounted Secret volume`);
    }
    const args = container.args || [];
    const role = args[args.indexOf("--role") + 1];
    if (workload.kind === "StatefulSet" && role !== "node")
      problem(at, "a StatefulSet runs replica set members: args --role node");
    if (workload.kind === "Deployment" && role !== "router")
      problem(at, "a Deployment runs routers: args --role router");
  }
}

// Every member URL of cluster.json is the DNS name of a StatefulSet pod,
// member i of shard s being ordinal i of one StatefulSet (ordinal 0 is the
// configured Primary, which starts a brand-new set), and each pod's
// PEACEDB_NODE_SELF is its own URL.
function checkMembers(objects, config) {
  const sets = objects.filter((o) => o.kind === "StatefulSet");
  const sharding = config.Sharding || {};
  const replication = sharding.Replication || {};
  const shards = sharding.Shards || [];
  if (shards.length !== sharding.ShardCount)
    problem(CONFIG_KEY, `Sharding.ShardCount is ${sharding.ShardCount} but Shards lists ${shards.length}`);
  const covered = new Set();
  for (const set of sets) {
    const where = name(set);
    const serviceName = set.spec.serviceName;
    const service = objects.find((o) => o.kind === "Service" && o.metadata.name === serviceName);
    if (!service) {
      problem(where, `serviceName ${serviceName} names no Service`);
    } else {
      if (service.spec.clusterIP !== "None")
        problem(name(service), "must be headless (clusterIP: None): each member has its own DNS name");
      if (service.spec.publishNotReadyAddresses !== true)
        problem(name(service), "must set publishNotReadyAddresses: members and routers must reach a member that is not ready");
      if (!sameLabels(service.spec.selector, set.spec.selector.matchLabels))
        problem(name(service), `selects ${JSON.stringify(service.spec.selector)}, not the pods of ${where}`);
      if (!(service.spec.ports || []).some((p) => p.port === PORT))
        problem(name(service), `must serve port ${PORT}`);
    }
    const container = set.spec.template.spec.containers[0];
    const urls = [];
    for (let ordinal = 0; ordinal < set.spec.replicas; ++ordinal) {
      const pod = `${set.metadata.name}-${ordinal}`;
      const self = environment(container, pod).PEACEDB_NODE_SELF;
      if (!self) {
        problem(where, "has no PEACEDB_NODE_SELF: a member must know its own URL");
        break;
      }
      const expected = new RegExp(`^http://${pod}\\.${serviceName}(\\.[a-z0-9.-]+)?:${PORT}$`);
      if (!expected.test(self))
        problem(where, `pod ${pod} would have PEACEDB_NODE_SELF ${self}, not http://${pod}.${serviceName}[.NAMESPACE...]:${PORT}`);
      urls.push(self);
    }
    const shard = shards.find((s) => [s.Primary, ...(s.Replicas || [])].includes(urls[0]));
    if (!shard) {
      problem(where, `its pods (${urls.join(", ")}) are no shard's members in ${CONFIG_KEY}`);
      continue;
    }
    covered.add(shard.Id);
    const members = [shard.Primary, ...(shard.Replicas || [])];
    if (JSON.stringify(members) !== JSON.stringify(urls))
      problem(where, `its ${set.spec.replicas} pods are ${urls.join(", ")}, but shard ${shard.Id} of ${CONFIG_KEY} lists ${members.join(", ")} (replicas and ordinal order must match)`);
    if (members.length !== (replication.ReplicaCount || 0) + 1)
      problem(CONFIG_KEY, `shard ${shard.Id} has ${members.length} members, not ReplicaCount + 1 = ${(replication.ReplicaCount || 0) + 1}`);
    const selector = set.spec.selector.matchLabels;
    if (!selects(selector, set.spec.template.metadata.labels))
      problem(where, "its selector does not select its own pod template");
    if (!selector["peacedb-shard"] || selector["peacedb-shard"] !== String(shard.Id))
      problem(where, `its pods must carry the label peacedb-shard: "${shard.Id}"`);
  }
  for (const shard of shards) {
    if (!covered.has(shard.Id))
      problem(CONFIG_KEY, `shard ${shard.Id} has no StatefulSet running its members`);
  }
  const seen = new Set();
  for (const set of sets) {
    if (seen.has(set.spec.serviceName))
      problem(name(set), `shares the Service ${set.spec.serviceName} with another StatefulSet`);
    seen.add(set.spec.serviceName);
  }
}

function checkBudgets(objects) {
  const budgets = objects.filter((o) => o.kind === "PodDisruptionBudget");
  for (const workload of podTemplates(objects)) {
    const labels = workload.spec.template.metadata.labels;
    const mine = budgets.filter((b) => selects(b.spec.selector && b.spec.selector.matchLabels, labels));
    if (mine.length !== 1) {
      problem(name(workload), `needs exactly one PodDisruptionBudget selecting its pods, has ${mine.length}`);
      continue;
    }
    const budget = mine[0].spec;
    // A set of 3 keeps 2 (a majority) through any voluntary disruption.
    if (budget.maxUnavailable !== 1 || budget.minAvailable !== undefined)
      problem(name(mine[0]), "must be maxUnavailable: 1 (and no minAvailable): never a majority of a set down at once");
    if (!sameLabels(mine[0].spec.selector.matchLabels, workload.spec.selector.matchLabels))
      problem(name(mine[0]), `its selector differs from ${name(workload)}'s`);
  }
}

// The plan's per-replica-set networks: the members of a shard accept
// traffic only from their own shard's members and the routers; the system
// shard (the first, which holds the users and keys) also from every member.
function checkNetworkPolicies(objects, config) {
  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  const router = objects.find((o) => o.kind === "Deployment");
  const routerLabels = router ? router.spec.template.metadata.labels : {};
  const systemShard = String(((config.Sharding || {}).Shards || [{}])[0].Id);
  for (const workload of podTemplates(objects)) {
    const labels = workload.spec.template.metadata.labels;
    const mine = policies.filter((p) => selects(p.spec.podSelector.matchLabels, labels));
    if (mine.length !== 1) {
      problem(name(workload), `needs exactly one NetworkPolicy selecting its pods, has ${mine.length}`);
      continue;
    }
    const policy = mine[0];
    if (!(policy.spec.policyTypes || []).includes("Ingress"))
      problem(name(policy), "must restrict Ingress");
    if (workload.kind !== "StatefulSet")
      continue;
    const allowedPeers = [labels, routerLabels];
    let ownShard = false;
    let routers = false;
    for (const rule of policy.spec.ingress || []) {
      if (!rule.from || rule.from.length === 0) {
        problem(name(policy), "a rule without `from` admits every pod and address");
        continue;
      }
      if (!(rule.ports || []).every((p) => p.port === PORT) || !(rule.ports || []).length)
        problem(name(policy), `rules must admit port ${PORT} only`);
      for (const peer of rule.from) {
        const matchLabels = peer.podSelector && peer.podSelector.matchLabels;
        if (!matchLabels || peer.namespaceSelector || peer.ipBlock) {
          problem(name(policy), `admits ${JSON.stringify(peer)}: only pods of this namespace, by labels`);
          continue;
        }
        ownShard = ownShard || selects(matchLabels, labels);
        routers = routers || selects(matchLabels, routerLabels);
        const everyMember = labels["peacedb-shard"] === systemShard && matchLabels["peacedb-shard"] === undefined
          && matchLabels["app.kubernetes.io/component"] === labels["app.kubernetes.io/component"];
        if (!allowedPeers.some((allowed) => sameLabels(matchLabels, allowed)) && !everyMember)
          problem(name(policy), `admits pods ${JSON.stringify(matchLabels)}: only its own shard's members and the routers may reach it`);
      }
    }
    if (!ownShard || !routers)
      problem(name(policy), "must admit its own shard's members and the routers");
  }
}

// --- main --------------------------------------------------------------------

function main() {
  const directory = path.resolve(process.argv[2] || path.join(__dirname, ".."));
  const sourceDir = path.resolve(__dirname, "..", "..", "..");
  const objects = YAML.parseAllDocuments(render(directory)).map((document) => document.toJSON()).filter(Boolean);
  const kustomization = fs.readFileSync(path.join(directory, "kustomization.yaml"), "utf8");

  for (const object of objects)
    checkSchema(object);
  checkFields(objects);
  checkNoSecrets(objects, kustomization);

  const configMaps = objects.filter((o) => o.kind === "ConfigMap" && o.data && o.data[CONFIG_KEY]);
  if (configMaps.length !== 1) {
    problem("ConfigMap", `exactly one ConfigMap must hold ${CONFIG_KEY}, found ${configMaps.length}`);
  } else {
    let config = {};
    try {
      config = JSON.parse(configMaps[0].data[CONFIG_KEY]);
    } catch (error) {
      problem(name(configMaps[0]), `${CONFIG_KEY} is not JSON: ${error.message}`);
    }
    checkMembers(objects, config);
    checkNetworkPolicies(objects, config);
    for (const workload of podTemplates(objects)) {
      const volume = (workload.spec.template.spec.volumes || []).find((v) => v.configMap && v.configMap.name === configMaps[0].metadata.name);
      if (!volume)
        problem(name(workload), `does not mount the ConfigMap ${configMaps[0].metadata.name}`);
    }
  }
  const variables = knownVariables(sourceDir);
  for (const workload of podTemplates(objects))
    checkPodTemplate(workload, variables);
  checkBudgets(objects);
  if (!objects.some((o) => o.kind === "Deployment"))
    problem("Deployment", "no router Deployment");
  if (!objects.some((o) => o.kind === "StatefulSet"))
    problem("StatefulSet", "no replica set");

  const kinds = {};
  for (const object of objects)
    kinds[object.kind] = (kinds[object.kind] || 0) + 1;
  const summary = Object.entries(kinds).map(([kind, count]) => `${count} ${kind}`).join(", ");
  for (const line of problems)
    console.error(`validate: ${line}`);
  if (problems.length) {
    console.error(`validate: ${problems.length} problem(s) in ${directory} (${summary})`);
    process.exit(1);
  }
  console.log(`validate: ${objects.length} objects valid (${summary})`);
}

main();
