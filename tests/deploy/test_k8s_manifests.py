"""The Kubernetes deployment (deploy/k8s) as an operator applies it, checked offline.

Every overlay is rendered with kustomize. Built-in resources are validated against the
Kubernetes schemas (kubernetes-validate, strict). The custom resources (Strimzi, MongoDB
operator, Prometheus operator) are checked here against the project's own rules: the event
catalogue schemas/asyncapi.yaml says which topics must exist, and who may write them.
"""

import re
from pathlib import Path

import pytest
import yaml

from .conftest import K8S, OVERLAYS, PORTS, SERVICES

KUBERNETES_VERSION = "1.30"  # the oldest Kubernetes the manifests must work on

# Custom resources and the operator that owns them; anything else must be built in.
CUSTOM_GROUPS = {
    "kafka.strimzi.io": {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"},
    "mongodbcommunity.mongodb.com": {"MongoDBCommunity"},
    "monitoring.coreos.com": {"ServiceMonitor", "PodMonitor", "PrometheusRule"},
}
CONSUMERS_WITH_HPA = ("evaluation", "notifications")
INGRESS_NAMESPACE = {"kubernetes.io/metadata.name": "ingress-nginx"}
DNS_NAMESPACE = {"kubernetes.io/metadata.name": "kube-system"}
DNS_POD = {"k8s-app": "kube-dns"}
MONGO_POD = {"app": "kuultu-mongo-svc"}  # the label the MongoDB operator sets on members
REQUIRED_ALERT_METRICS = (
    "kafka_consumergroup_lag",  # consumer lag (Strimzi's Kafka exporter)
    "kuultu_events_dead_lettered_total",  # dead-letter growth
    "kuultu_feedback_overdue",  # overdue answers
    "kuultu_notifications_failed_total",  # failed notifications
)
DAY_MS = 24 * 3600 * 1000

overlays = pytest.mark.parametrize("overlay", OVERLAYS)


# --- helpers ---------------------------------------------------------------------------


def of_kind(docs, kind) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def one(docs, kind, name) -> dict:
    found = of_kind(docs, kind)
    assert name in found, f"no {kind} {name!r} (have {sorted(found)})"
    return found[name]


def group_of(doc) -> str:
    api = doc["apiVersion"]
    return api.split("/")[0] if "/" in api else ""


def selects(selector: dict | None, labels: dict) -> bool:
    """Kubernetes label-selector semantics (an empty selector selects everything)."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def pod_labels(workload: dict) -> dict:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["metadata"].get("labels", {})


def pod_spec(workload: dict) -> dict:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def main_container(deployment: dict) -> dict:
    containers = pod_spec(deployment)["containers"]
    name = deployment["metadata"]["name"]
    return next(c for c in containers if c["name"] == name)


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def configmap_env(docs, container) -> dict[str, str]:
    """The values a container gets through envFrom ConfigMaps."""
    maps = of_kind(docs, "ConfigMap")
    values = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef")
        if ref:
            assert ref["name"] in maps, f"envFrom names a missing ConfigMap {ref['name']}"
            values.update(maps[ref["name"]].get("data", {}))
    return values


def quantity(value) -> float:
    """A Kubernetes quantity as a number (cpu in cores, memory in bytes)."""
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
             "k": 1e3, "M": 1e6, "G": 1e9}
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * units[suffix]
    return float(text)


def policies_for(docs, labels: dict, policy_type: str) -> list[dict]:
    return [
        np for np in of_kind(docs, "NetworkPolicy").values()
        if policy_type in np["spec"].get("policyTypes", ["Ingress"])
        and selects(np["spec"].get("podSelector"), labels)
    ]


def port_matches(rule_ports, port: int | str, protocol: str) -> bool:
    if not rule_ports:
        return True
    for p in rule_ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        if "port" not in p:
            return True
        if isinstance(port, int) and isinstance(p["port"], int):
            if p["port"] <= port <= p.get("endPort", p["port"]):
                return True
        elif p["port"] == port:
            return True
    return False


def peer_matches(peer: dict, labels: dict, ns_labels: dict | None) -> bool:
    """Does a NetworkPolicy peer cover a pod (labels) in a namespace (None = our own)?"""
    if "ipBlock" in peer:
        return False  # address ranges: never how pods in the cluster are admitted here
    if "namespaceSelector" in peer:
        if ns_labels is None or not selects(peer["namespaceSelector"], ns_labels):
            # our own namespace would need its labels; we never admit it that way
            return False
    elif ns_labels is not None:
        return False  # a bare podSelector means the policy's own namespace
    return selects(peer.get("podSelector"), labels) if "podSelector" in peer else True


def egress_allowed(docs, src: dict, dst: dict, port, protocol="TCP", dst_ns=None) -> bool:
    for np in policies_for(docs, src, "Egress"):
        for rule in np["spec"].get("egress") or []:
            if not port_matches(rule.get("ports"), port, protocol):
                continue
            peers = rule.get("to")
            if not peers or any(peer_matches(p, dst, dst_ns) for p in peers):
                return True
    return False


def ingress_allowed(docs, dst: dict, src: dict, port, protocol="TCP", src_ns=None) -> bool:
    for np in policies_for(docs, dst, "Ingress"):
        for rule in np["spec"].get("ingress") or []:
            if not port_matches(rule.get("ports"), port, protocol):
                continue
            peers = rule.get("from")
            if not peers or any(peer_matches(p, src, src_ns) for p in peers):
                return True
    return False


def acl_allows(user: dict, operation: str, rtype: str, name: str) -> bool:
    for acl in user["spec"]["authorization"]["acls"]:
        res = acl["resource"]
        if res["type"] != rtype:
            continue
        if not ({operation, "All"} & set(acl["operations"])):
            continue
        pattern = res.get("patternType", "literal")
        if res["name"] == "*" or (pattern == "literal" and res["name"] == name) or (
            pattern == "prefix" and name.startswith(res["name"])
        ):
            return True
    return False


def kafka_cluster(docs) -> dict:
    clusters = list(of_kind(docs, "Kafka").values())
    assert len(clusters) == 1, "exactly one Kafka cluster"
    return clusters[0]


# --- rendering and schema validation ---------------------------------------------------


@overlays
def test_overlay_renders_into_one_namespace(rendered, overlay):
    docs = rendered[overlay]
    namespaces = of_kind(docs, "Namespace")
    assert len(namespaces) == 1, "each overlay creates its namespace"
    (ns,) = namespaces
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == ns, f"{doc['kind']}/{doc['metadata']['name']}"


@overlays
def test_builtin_resources_match_the_kubernetes_schemas(rendered, overlay, kubernetes_validate):
    errors = []
    for doc in rendered[overlay]:
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        group = group_of(doc)
        if group in CUSTOM_GROUPS:
            assert doc["kind"] in CUSTOM_GROUPS[group], f"unchecked custom resource {where}"
            continue
        assert "." not in group or group.endswith(".k8s.io"), f"unknown API group of {where}"
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            errors.append(f"{where}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(f"{where}: {exc.message}")
    assert not errors, "\n".join(errors)


# --- secrets -----------------------------------------------------------------------------


def test_no_secret_is_kept_in_the_repository(rendered):
    for overlay, docs in rendered.items():
        assert not of_kind(docs, "Secret"), f"overlays/{overlay} renders a Secret"
    for path in K8S.rglob("*.y*ml"):
        text = path.read_text(encoding="utf-8")
        assert "secretGenerator" not in text, f"{path}: secrets are created out of band"
        assert not re.search(r"^kind:\s*Secret\s*$", text, re.M), f"{path} holds a Secret"


@overlays
def test_credentials_come_from_secrets_only(rendered, overlay):
    sensitive = re.compile(r"PASSWORD|SECRET|TOKEN|MONGO_URI|_KEY$")
    for workload in [*of_kind(rendered[overlay], "Deployment").values(),
                     *of_kind(rendered[overlay], "CronJob").values()]:
        for container in pod_spec(workload)["containers"]:
            for env in container.get("env", []):
                if sensitive.search(env["name"]):
                    assert "secretKeyRef" in env.get("valueFrom", {}), (
                        f"{workload['metadata']['name']}: {env['name']} must come from a Secret")
    for name, values in (
        (n, cm.get("data", {})) for n, cm in of_kind(rendered[overlay], "ConfigMap").items()
    ):
        for key in values:
            assert not sensitive.search(key), f"ConfigMap {name} carries {key}"


def referenced_secrets(docs) -> set[str]:
    names = set()
    for workload in [*of_kind(docs, "Deployment").values(), *of_kind(docs, "CronJob").values()]:
        spec = pod_spec(workload)
        for container in spec["containers"]:
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    names.add(ref["name"])
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                names.add(volume["secret"]["secretName"])
    for mongo in of_kind(docs, "MongoDBCommunity").values():
        for user in mongo["spec"]["users"]:
            names.add(user["passwordSecretRef"]["name"])
    for ingress in of_kind(docs, "Ingress").values():
        for tls in ingress["spec"].get("tls", []):
            names.add(tls["secretName"])
    return names


def test_the_readme_names_every_secret_the_deployment_uses(rendered):
    readme = (K8S / "README.md").read_text(encoding="utf-8")
    missing = sorted(
        name for docs in rendered.values() for name in referenced_secrets(docs)
        if name not in readme
    )
    assert not missing, f"deploy/k8s/README.md does not say where these come from: {missing}"


# --- the services and the gateway ------------------------------------------------------


@overlays
@pytest.mark.parametrize("name", list(PORTS))
def test_deployment_has_probes_limits_and_a_locked_down_pod(rendered, overlay, name):
    docs = rendered[overlay]
    deployment = one(docs, "Deployment", name)
    spec = pod_spec(deployment)
    container = main_container(deployment)
    port = PORTS[name]

    named = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert port in named.values(), f"{name} listens on {port}"
    env = env_of(container)
    assert env["KUULTU_HTTP_ADDRESS"]["value"] == f"0.0.0.0:{port}"

    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        assert probe in container, f"{name} has no {probe}"
        get = container[probe]["httpGet"]
        assert get["path"] == path, f"{name} {probe} must GET {path}"
        assert named.get(get["port"], get["port"]) == port, f"{name} {probe} on port {port}"

    resources = container.get("resources", {})
    for kind in ("requests", "limits"):
        for res in ("cpu", "memory"):
            assert res in resources.get(kind, {}), f"{name} has no {kind}.{res}"
        assert quantity(resources["requests"][res]) <= quantity(resources["limits"][res])

    pod_sc, sc = spec.get("securityContext", {}), container.get("securityContext", {})
    assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True
    assert sc.get("runAsUser", pod_sc.get("runAsUser", 1)) != 0
    assert sc.get("readOnlyRootFilesystem") is True
    assert sc.get("allowPrivilegeEscalation") is False
    assert sc.get("privileged") is not True
    assert "ALL" in sc.get("capabilities", {}).get("drop", [])
    assert spec.get("automountServiceAccountToken") is False

    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    tmp = [m for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
    assert tmp and "emptyDir" in volumes[tmp[0]["name"]], f"{name} needs a writable /tmp"

    image, _, tag = container["image"].rpartition(":")
    assert image.endswith(f"kuultu/{name}") and tag and tag != "latest", container["image"]


@overlays
@pytest.mark.parametrize("name", list(PORTS))
def test_each_part_has_a_service_and_a_disruption_budget(rendered, overlay, name):
    docs = rendered[overlay]
    labels = pod_labels(one(docs, "Deployment", name))
    service = one(docs, "Service", name)
    assert selects({"matchLabels": service["spec"]["selector"]}, labels)
    assert any(p["port"] == PORTS[name] for p in service["spec"]["ports"])
    budgets = [p for p in of_kind(docs, "PodDisruptionBudget").values()
               if selects(p["spec"]["selector"], labels)]
    assert budgets, f"{name} has no PodDisruptionBudget"


@overlays
def test_services_get_kafka_and_mongodb_settings_and_the_gateway_does_not(rendered, overlay):
    docs = rendered[overlay]
    kafka = kafka_cluster(docs)["metadata"]["name"]
    for name in PORTS:
        container = main_container(one(docs, "Deployment", name))
        env = {**configmap_env(docs, container), **env_of(container)}
        if name == "gateway":
            assert not [k for k in env if "KAFKA" in k or "MONGO" in k], "gateway: no Kafka/Mongo"
            for service in SERVICES:
                url = env[f"KUULTU_{service.upper()}_URL"]
                assert url == f"http://{service}:{PORTS[service]}", url
                one(docs, "Service", service)
            assert env.get("KUULTU_DEV_ISSUER", "false") == "false"
            assert env["KUULTU_OIDC_ISSUER"].startswith("https://")
            continue
        assert env["KUULTU_KAFKA_BOOTSTRAP"].startswith(f"{kafka}-kafka-bootstrap:")
        assert env["KUULTU_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert env["KUULTU_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert env.get("KUULTU_CREATE_TOPICS") == "false", "topics are KafkaTopic resources"
        # the cluster CA is mounted where KUULTU_KAFKA_SSL_CAFILE points
        cafile = Path(env["KUULTU_KAFKA_SSL_CAFILE"])
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in pod_spec(one(docs, "Deployment", name))["volumes"]}
        ca = [n for n, path in mounts.items() if Path(path) == cafile.parent]
        assert ca, f"{name}: nothing mounted at {cafile.parent}"
        assert volumes[ca[0]]["secret"]["secretName"] == f"{kafka}-cluster-ca-cert"
        # credentials: the KafkaUser's Secret and the MongoDB operator's connection string
        user = env["KUULTU_KAFKA_SASL_USERNAME"]["value"]
        assert user in of_kind(docs, "KafkaUser"), f"{name} logs in as unknown user {user}"
        password = env["KUULTU_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert password == {"name": user, "key": "password"}


# --- network policies ------------------------------------------------------------------


@overlays
def test_network_is_denied_by_default(rendered, overlay):
    deny = [
        np for np in of_kind(rendered[overlay], "NetworkPolicy").values()
        if np["spec"].get("podSelector") in ({}, None)
        and {"Ingress", "Egress"} <= set(np["spec"].get("policyTypes", []))
        and not np["spec"].get("ingress") and not np["spec"].get("egress")
    ]
    assert deny, "no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)"


@overlays
@pytest.mark.parametrize("name", list(PORTS))
def test_each_part_has_its_own_network_policy(rendered, overlay, name):
    labels = pod_labels(one(rendered[overlay], "Deployment", name))
    own = [np for np in of_kind(rendered[overlay], "NetworkPolicy").values()
           if np["spec"].get("podSelector") and selects(np["spec"]["podSelector"], labels)]
    assert own, f"no NetworkPolicy selects the {name} pods specifically"


@overlays
def test_only_the_gateway_takes_traffic_from_the_ingress_controller(rendered, overlay):
    docs = rendered[overlay]
    workloads = {n: pod_labels(d) for n, d in of_kind(docs, "Deployment").items()}
    workloads.update({n: pod_labels(d) for n, d in of_kind(docs, "CronJob").items()})
    workloads["mongodb"] = MONGO_POD
    for np in of_kind(docs, "NetworkPolicy").values():
        for rule in np["spec"].get("ingress") or []:
            peers = rule.get("from") or [{}]
            opens = any(
                "ipBlock" in p or not p  # from anywhere
                or ("namespaceSelector" in p and selects(p["namespaceSelector"], INGRESS_NAMESPACE))
                for p in peers
            )
            if opens:
                assert np["spec"].get("podSelector"), f"{np['metadata']['name']} opens every pod"
                chosen = {n for n, labels in workloads.items()
                          if selects(np["spec"]["podSelector"], labels)}
                assert chosen <= {"gateway"}, (
                    f"NetworkPolicy {np['metadata']['name']} lets the ingress controller reach {chosen}")
    gateway = workloads["gateway"]
    assert ingress_allowed(docs, gateway, {}, PORTS["gateway"], src_ns=INGRESS_NAMESPACE)
    for name in SERVICES:
        assert not ingress_allowed(docs, workloads[name], {}, PORTS[name], src_ns=INGRESS_NAMESPACE)
        assert ingress_allowed(docs, workloads[name], gateway, PORTS[name]), (
            f"the gateway cannot call {name}")


@overlays
def test_services_reach_kafka_mongodb_and_dns_and_the_gateway_does_not(rendered, overlay):
    docs = rendered[overlay]
    kafka = kafka_cluster(docs)
    cluster = kafka["metadata"]["name"]
    broker = {"strimzi.io/cluster": cluster, "strimzi.io/kind": "Kafka",
              "strimzi.io/name": f"{cluster}-kafka", "strimzi.io/broker-role": "true"}
    listener = next(lst for lst in kafka["spec"]["kafka"]["listeners"] if lst["tls"])
    peers = listener.get("networkPolicyPeers")
    for name in PORTS:
        pod = pod_labels(one(docs, "Deployment", name))
        dns = egress_allowed(docs, pod, DNS_POD, 53, "UDP", dst_ns=DNS_NAMESPACE)
        assert dns, f"{name} cannot resolve names"
        to_kafka = egress_allowed(docs, pod, broker, listener["port"])
        to_mongo = egress_allowed(docs, pod, MONGO_POD, 27017)
        # Strimzi writes the brokers' ingress policy from the listener's networkPolicyPeers.
        admitted = peers is None or any(peer_matches(p, pod, None) for p in peers)
        if name == "gateway":
            assert not (to_kafka or to_mongo), "the gateway has no Kafka or MongoDB access"
            assert not (peers is not None and admitted), "the brokers admit the gateway"
        else:
            assert to_kafka and admitted, f"{name} cannot reach the Kafka TLS listener"
            assert to_mongo, f"{name} cannot reach MongoDB"
            assert ingress_allowed(docs, MONGO_POD, pod, 27017), f"MongoDB does not admit {name}"
    assert ingress_allowed(docs, MONGO_POD, MONGO_POD, 27017), "members must replicate"
    assert egress_allowed(docs, MONGO_POD, MONGO_POD, 27017), "members must replicate"
    assert egress_allowed(docs, broker, broker, 9091), "brokers must replicate"


# --- autoscaling and replicas ----------------------------------------------------------


def replicas(docs, name) -> int:
    hpa = of_kind(docs, "HorizontalPodAutoscaler").get(name)
    if hpa:
        return hpa["spec"].get("minReplicas", 1)
    return one(docs, "Deployment", name)["spec"].get("replicas", 1)


@overlays
def test_gateway_and_consumers_autoscale_within_the_partitions(rendered, overlay):
    docs = rendered[overlay]
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    partitions = min(t["spec"]["partitions"] for t in of_kind(docs, "KafkaTopic").values()
                     if not t["spec"]["topicName"].endswith(".dlq"))
    for name in ("gateway", *CONSUMERS_WITH_HPA):
        assert name in hpas, f"no HorizontalPodAutoscaler for {name}"
        spec = hpas[name]["spec"]
        assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                          "name": name}
        assert 1 <= spec["minReplicas"] <= spec["maxReplicas"]
        if name != "gateway":
            assert spec["maxReplicas"] <= partitions, "idle consumers beyond the partitions"
        # the HPA owns the replica count; a Deployment value would fight it on every apply
        assert "replicas" not in one(docs, "Deployment", name)["spec"]
    for hpa in hpas.values():
        assert hpa["spec"]["scaleTargetRef"]["name"] in of_kind(docs, "Deployment")


def test_prod_runs_more_replicas_than_dev(rendered):
    dev, prod = rendered["dev"], rendered["prod"]
    for name in PORTS:
        assert replicas(prod, name) > replicas(dev, name), name
        assert replicas(prod, name) >= 2, f"{name} must survive losing a pod in prod"


@overlays
def test_the_public_entrance_is_https_to_the_gateway(rendered, overlay):
    ingresses = list(of_kind(rendered[overlay], "Ingress").values())
    assert len(ingresses) == 1
    spec = ingresses[0]["spec"]
    tls_hosts = {h for tls in spec["tls"] for h in tls["hosts"] if tls.get("secretName")}
    for rule in spec["rules"]:
        assert rule["host"] in tls_hosts, f"{rule['host']} is served without TLS"
        assert not rule["host"].endswith(".invalid"), "the overlay must set the real host"
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"]["name"] == "gateway"


def test_prod_gets_its_certificate(rendered):
    ingress = next(iter(of_kind(rendered["prod"], "Ingress").values()))
    assert ingress["spec"]["tls"][0]["secretName"]
    assert ingress["metadata"]["annotations"].get("nginx.ingress.kubernetes.io/force-ssl-redirect") == "true"


# --- Kafka (Strimzi) -------------------------------------------------------------------


@overlays
def test_kafka_runs_kraft_with_tls_scram_and_acls(rendered, overlay):
    docs = rendered[overlay]
    kafka = kafka_cluster(docs)
    name = kafka["metadata"]["name"]
    pools = [p for p in of_kind(docs, "KafkaNodePool").values()
             if p["metadata"]["labels"].get("strimzi.io/cluster") == name]
    controllers = sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"])
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    assert controllers >= 3 and controllers % 2 == 1, "KRaft needs an odd quorum of controllers"
    assert brokers >= 3
    assert "zookeeper" not in kafka["spec"]
    for pool in pools:
        for volume in pool["spec"]["storage"].get("volumes", [pool["spec"]["storage"]]):
            assert volume["type"] == "persistent-claim" and volume.get("deleteClaim") is False

    listeners = kafka["spec"]["kafka"]["listeners"]
    for listener in listeners:
        assert listener["tls"] is True, f"listener {listener['name']} must use TLS"
        assert listener["authentication"]["type"] == "scram-sha-512"
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    config = kafka["spec"]["kafka"]["config"]
    assert config["auto.create.topics.enable"] is False
    assert config["min.insync.replicas"] >= 2
    assert "kafkaExporter" in kafka["spec"], "consumer lag comes from the Kafka exporter"
    assert {"topicOperator", "userOperator"} <= set(kafka["spec"]["entityOperator"])
    bootstrap_ports = {
        configmap_env(docs, main_container(one(docs, "Deployment", s)))["KUULTU_KAFKA_BOOTSTRAP"]
        .rpartition(":")[2] for s in SERVICES
    }
    assert bootstrap_ports == {str(lst["port"]) for lst in listeners}


@overlays
def test_every_catalogue_topic_has_a_kafka_topic_and_a_dead_letter_topic(
        rendered, overlay, catalogue):
    docs = rendered[overlay]
    cluster = kafka_cluster(docs)["metadata"]["name"]
    brokers = sum(p["spec"]["replicas"] for p in of_kind(docs, "KafkaNodePool").values()
                  if "broker" in p["spec"]["roles"])
    topics = {t["spec"].get("topicName", n): t for n, t in of_kind(docs, "KafkaTopic").items()}
    expected = {*catalogue, *(f"{address}.dlq" for address in catalogue)}
    assert set(topics) == expected, (
        f"missing: {sorted(expected - set(topics))}, not in the catalogue: "
        f"{sorted(set(topics) - expected)}")
    for address, topic in topics.items():
        spec = topic["spec"]
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == cluster
        assert 3 <= spec["replicas"] <= brokers, address
        assert 1 <= int(spec["config"]["min.insync.replicas"]) < spec["replicas"], address
        retention = int(spec["config"]["retention.ms"])
        if address.endswith(".dlq"):
            assert 1 <= spec["partitions"] <= 3, address
            assert 7 * DAY_MS <= retention <= 90 * DAY_MS, f"{address}: keep dead letters for weeks"
        else:
            assert spec["partitions"] >= 3, address
            assert retention == -1, f"{address} must keep every event: projections are replayed"
            assert spec["config"].get("cleanup.policy", "delete") == "delete", (
                f"{address}: compaction would drop events the projections need")


@overlays
def test_kafka_users_follow_the_acl_rules(rendered, overlay, catalogue):
    docs = rendered[overlay]
    users = of_kind(docs, "KafkaUser")
    dead_letters = [f"{address}.dlq" for address in catalogue]
    for user in users.values():
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        assert user["spec"]["authorization"]["type"] == "simple"
        for acl in user["spec"]["authorization"]["acls"]:
            assert set(acl["operations"]) <= {"Read", "Write", "Describe"}, acl
            assert acl["resource"]["type"] in ("topic", "group"), acl
            assert acl["resource"]["name"] != "*", acl
    assert "kuultu-gateway" not in users, "the gateway has no Kafka access"

    for service in SERVICES:
        user = users[f"kuultu-{service}"]
        name = user["metadata"]["name"]
        for address, owner in catalogue.items():
            writes = acl_allows(user, "Write", "topic", address)
            assert writes == (owner == service), (
                f"{name} {'must' if owner == service else 'must not'} write {address}")
            assert acl_allows(user, "Read", "topic", address), f"{name} cannot read {address}"
        for topic in dead_letters:
            assert acl_allows(user, "Write", "topic", topic), f"{name} cannot dead-letter to {topic}"
        for acl in user["spec"]["authorization"]["acls"]:
            if "Write" in acl["operations"]:
                target = acl["resource"]["name"]
                assert acl["resource"].get("patternType", "literal") == "literal", acl
                assert target == f"kuultu.{service}" or target.endswith(".dlq"), acl
        assert acl_allows(user, "Read", "group", f"kuultu-{service}")
        for other in SERVICES:
            if other != service:
                assert not acl_allows(user, "Read", "group", f"kuultu-{other}"), (
                    f"{name} may join the group of {other}")

    city = users["city-systems"]
    for address in catalogue:
        assert acl_allows(city, "Read", "topic", address)
        assert not acl_allows(city, "Write", "topic", address)
        assert not acl_allows(city, "Write", "topic", f"{address}.dlq")
    assert acl_allows(city, "Read", "group", "city-registry")
    for service in SERVICES:
        assert not acl_allows(city, "Read", "group", f"kuultu-{service}")
    assert all("Write" not in acl["operations"] for acl in city["spec"]["authorization"]["acls"])


# --- MongoDB ---------------------------------------------------------------------------


@overlays
def test_mongodb_is_a_three_member_replica_set_with_one_user_per_service(rendered, overlay):
    docs = rendered[overlay]
    (mongo,) = of_kind(docs, "MongoDBCommunity").values()
    spec = mongo["spec"]
    assert spec["type"] == "ReplicaSet" and spec["members"] == 3
    assert "SCRAM" in spec["security"]["authentication"]["modes"]
    claims = {c["metadata"]["name"]: c for c in spec["statefulSet"]["spec"]["volumeClaimTemplates"]}
    assert quantity(claims["data-volume"]["spec"]["resources"]["requests"]["storage"]) > 0
    users = {u["name"]: u for u in spec["users"]}
    for service in SERVICES:
        user = users[f"kuultu-{service}"]
        assert user["roles"] == [{"name": "readWrite", "db": f"kuultu_{service}"}], (
            f"{service} may touch only its own database")
        # The operator's connection string ends in /<user db>, and mongoengine uses the URI's
        # database over the one the service asks for: the user must live in kuultu_<service>.
        assert user["db"] == f"kuultu_{service}", f"{service} would work in database {user['db']}"
        container = main_container(one(docs, "Deployment", service))
        uri = env_of(container)["KUULTU_MONGO_URI"]["valueFrom"]["secretKeyRef"]
        assert uri == {"name": user["connectionStringSecretName"],
                       "key": "connectionString.standard"}
    assert selects(one(docs, "PodDisruptionBudget", mongo["metadata"]["name"])["spec"]["selector"],
                   MONGO_POD)


@overlays
def test_mongodb_is_backed_up_to_a_persistent_volume(rendered, overlay):
    docs = rendered[overlay]
    (mongo,) = of_kind(docs, "MongoDBCommunity").values()
    backup_users = {u["connectionStringSecretName"] for u in mongo["spec"]["users"]
                    if {"name": "backup", "db": "admin"} in u["roles"]}
    jobs = [j for j in of_kind(docs, "CronJob").values()
            if any("mongodump" in " ".join(c.get("command", []) + c.get("args", []))
                   for c in pod_spec(j)["containers"])]
    assert jobs, "no backup CronJob"
    spec = pod_spec(jobs[0])
    claims = {v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"]
              if "persistentVolumeClaim" in v}
    assert claims and claims <= set(of_kind(docs, "PersistentVolumeClaim"))
    secrets = {e["valueFrom"]["secretKeyRef"]["name"] for c in spec["containers"]
               for e in c.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}
    assert secrets & backup_users, "the backup job logs in as a user with the backup role"
    assert pod_spec(jobs[0])["securityContext"]["runAsNonRoot"] is True
    labels = pod_labels(jobs[0])
    assert egress_allowed(docs, labels, MONGO_POD, 27017)
    assert ingress_allowed(docs, MONGO_POD, labels, 27017)


# --- monitoring ------------------------------------------------------------------------


@overlays
def test_prometheus_scrapes_every_part(rendered, overlay):
    docs = rendered[overlay]
    monitors = of_kind(docs, "ServiceMonitor").values()
    for name in PORTS:
        service = one(docs, "Service", name)
        ports = {p.get("name") for p in service["spec"]["ports"]}
        assert any(
            selects(m["spec"]["selector"], service["metadata"].get("labels", {}))
            and any(e.get("port") in ports and e.get("path", "/metrics") == "/metrics"
                    for e in m["spec"]["endpoints"])
            for m in monitors
        ), f"no ServiceMonitor scrapes {name}"
    cluster = kafka_cluster(docs)["metadata"]["name"]
    exporter = {"strimzi.io/cluster": cluster, "strimzi.io/kind": "Kafka",
                "strimzi.io/name": f"{cluster}-kafka-exporter"}
    assert any(selects(m["spec"]["selector"], exporter)
               for m in of_kind(docs, "PodMonitor").values()), "the Kafka exporter is not scraped"


@overlays
def test_alert_rules_cover_lag_dead_letters_overdue_answers_and_failed_notifications(
        rendered, overlay):
    rules = [r for rule in of_kind(rendered[overlay], "PrometheusRule").values()
             for group in rule["spec"]["groups"] for r in group["rules"]]
    alerts = [r for r in rules if "alert" in r]
    for metric in REQUIRED_ALERT_METRICS:
        assert any(re.search(rf"\b{metric}\b", a["expr"]) for a in alerts), f"no alert on {metric}"
    for alert in alerts:
        assert alert["labels"]["severity"] in ("critical", "warning", "info"), alert["alert"]
        assert alert["annotations"].get("summary"), alert["alert"]
        expr = alert["expr"]
        assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}"), expr


# --- the operator's toolbox (applied by hand, not by an overlay) -----------------------


def test_the_toolbox_pod_is_valid_locked_down_and_reaches_only_kafka(rendered, kubernetes_validate):
    (pod,) = [d for d in yaml.safe_load_all((K8S / "ops" / "toolbox.yaml").read_text()) if d]
    kubernetes_validate.validate(pod, KUBERNETES_VERSION, strict=True)
    spec, (container,) = pod["spec"], pod["spec"]["containers"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert "limits" in container["resources"] and spec.get("activeDeadlineSeconds")
    assert not [e for e in container.get("env", []) if "valueFrom" in e], "no credentials"
    labels = pod["metadata"]["labels"]
    for docs in rendered.values():
        kafka = kafka_cluster(docs)
        cluster = kafka["metadata"]["name"]
        broker = {"strimzi.io/cluster": cluster, "strimzi.io/kind": "Kafka"}
        assert egress_allowed(docs, labels, broker, 9093)
        assert not egress_allowed(docs, labels, MONGO_POD, 27017)
        peers = next(lst for lst in kafka["spec"]["kafka"]["listeners"] if lst["tls"]).get(
            "networkPolicyPeers")
        assert peers is None or any(peer_matches(p, labels, None) for p in peers)


# --- the operator's documentation ------------------------------------------------------


def test_the_readme_covers_the_operators_tasks_and_lists_every_topic(catalogue):
    readme = (K8S / "README.md").read_text(encoding="utf-8").lower()
    for topic in ("prerequisites", "install", "upgrad", "scaling", "replay", "dead-letter",
                  "rotat", "event catalogue", "backup"):
        assert topic in readme, f"README says nothing about {topic}"
    for address in catalogue:
        assert f"`{address}`" in readme, f"the README's event catalogue lacks {address}"
