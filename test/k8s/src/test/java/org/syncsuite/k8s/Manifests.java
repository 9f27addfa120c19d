package org.syncsuite.k8s;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Rendered Kubernetes documents, read as plain maps, with the few navigations the checks need. */
record Manifests(List<Map<String, Object>> documents) {

    static Manifests parse(String yaml) {
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
            if (document instanceof Map<?, ?> map) {
                documents.add(cast(map));
            }
        }
        return new Manifests(documents);
    }

    List<Map<String, Object>> ofKind(String kind) {
        return documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    Optional<Map<String, Object>> find(String kind, String name) {
        return ofKind(kind).stream().filter(d -> name.equals(name(d))).findFirst();
    }

    Map<String, Object> get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError("No " + kind + " " + name + " among "
                + documents.stream().map(d -> d.get("kind") + " " + name(d)).toList()));
    }

    static String name(Map<String, Object> document) {
        return String.valueOf(map(document, "metadata").get("name"));
    }

    static Map<String, Object> labels(Map<String, Object> document) {
        return map(map(document, "metadata"), "labels");
    }

    /** The pod spec of a Deployment. */
    static Map<String, Object> podSpec(Map<String, Object> deployment) {
        return map(map(map(deployment, "spec"), "template"), "spec");
    }

    static List<Map<String, Object>> containers(Map<String, Object> deployment) {
        return list(podSpec(deployment), "containers");
    }

    /** A container's environment entries (name, and value or valueFrom). */
    static List<Map<String, Object>> env(Map<String, Object> container) {
        return list(container, "env");
    }

    /** A container's plain environment values by name (entries with valueFrom are left out). */
    static Map<String, String> plainEnv(Map<String, Object> container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> entry : env(container)) {
            if (entry.containsKey("value")) {
                env.put(String.valueOf(entry.get("name")), String.valueOf(entry.get("value")));
            }
        }
        return env;
    }

    static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        return value instanceof Map<?, ?> map ? cast(map) : Map.of();
    }

    static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (!(value instanceof List<?> items)) {
            return List.of();
        }
        return items.stream().filter(Map.class::isInstance).map(m -> cast((Map<?, ?>) m)).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }
}
