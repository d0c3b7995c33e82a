package main

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// What a deployment needs beyond a valid file:
//   - every long-running service has a healthcheck (one-shot init steps, which others wait for
//     with service_completed_successfully, run to completion instead);
//   - every depends_on waits for health or completion, never for a mere start;
//   - download links are built on a public base URL, never on 0.0.0.0 or ::;
//   - identity comes from an OIDC issuer: the development issuer is never configured.

const (
	healthy   = "service_healthy"
	completed = "service_completed_successfully"
)

// Our own services are the ones built from this repository.
func isAirlockService(s types.ServiceConfig) bool { return s.Build != nil }

func hasHealthcheck(s types.ServiceConfig) bool {
	return s.HealthCheck != nil && !s.HealthCheck.Disable && len(s.HealthCheck.Test) > 0 && s.HealthCheck.Test[0] != "NONE"
}

func isOneShot(s types.ServiceConfig) bool {
	return s.Restart == "" || s.Restart == types.RestartPolicyNo
}

func check(p *types.Project) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	awaitedToComplete := map[string]bool{}
	for _, s := range p.Services {
		for dep, d := range s.DependsOn {
			if d.Condition == completed {
				awaitedToComplete[dep] = true
			}
		}
	}
	for _, name := range sortedNames(p) {
		s := p.Services[name]
		switch {
		case hasHealthcheck(s):
		case awaitedToComplete[name] && isOneShot(s):
		case awaitedToComplete[name]:
			add("%s: a one-shot step others wait for must not restart (restart: %q)", name, s.Restart)
		default:
			add("%s: no healthcheck", name)
		}
		for _, dep := range sortedKeys(s.DependsOn) {
			target, known := p.Services[dep]
			switch cond := s.DependsOn[dep].Condition; {
			case !known:
				add("%s: depends on unknown service %s", name, dep)
			case cond == healthy && !hasHealthcheck(target):
				add("%s: waits for %s to be healthy, but %s has no healthcheck", name, dep, dep)
			case cond == completed && !isOneShot(target):
				add("%s: waits for %s to complete, but %s restarts (restart: %q)", name, dep, dep, target.Restart)
			case cond != healthy && cond != completed:
				add("%s: depends_on %s with condition %q: use %s or %s", name, dep, cond, healthy, completed)
			}
		}
		checkEnvironment(name, s, add)
		checkKafkaData(name, s, add)
	}
	return problems
}

// Kafka's image keeps its log under /tmp unless told otherwise: the data must be on a volume.
func checkKafkaData(name string, s types.ServiceConfig, add func(string, ...any)) {
	if !strings.HasPrefix(s.Image, "apache/kafka:") {
		return
	}
	dir := ""
	if v, ok := s.Environment["KAFKA_LOG_DIRS"]; ok && v != nil {
		dir = *v
	}
	if dir == "" {
		add("%s: KAFKA_LOG_DIRS is not set: the image would keep its log under /tmp, lost with the container", name)
		return
	}
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeVolume && (dir == v.Target || strings.HasPrefix(dir, strings.TrimSuffix(v.Target, "/")+"/")) {
			return
		}
	}
	add("%s: KAFKA_LOG_DIRS=%s is on no named volume: the log would be lost with the container", name, dir)
}

func checkEnvironment(name string, s types.ServiceConfig, add func(string, ...any)) {
	value := func(key string) string {
		if v, ok := s.Environment[key]; ok && v != nil {
			return *v
		}
		return ""
	}
	for _, key := range sortedKeys(s.Environment) {
		if v := value(key); looksLikeURL(v) && unspecifiedHost(v) {
			add("%s: %s=%s points at an unspecified address (0.0.0.0 or ::), which reaches no one", name, key, v)
		}
	}
	if dev := strings.ToLower(value("AIRLOCK_DEV_IDENTITY")); dev != "" && dev != "false" {
		add("%s: AIRLOCK_DEV_IDENTITY=%s: the development issuer has no place in a deployment (anyone can become administrator)", name, dev)
	}
	if !isAirlockService(s) {
		return
	}
	for _, key := range []string{"AIRLOCK_OIDC_ISSUER", "AIRLOCK_OIDC_JWKS_URL", "AIRLOCK_PUBLIC_INGRESS_URL"} {
		v := value(key)
		u, err := url.Parse(v)
		switch {
		case v == "":
			add("%s: %s is not set", name, key)
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			add("%s: %s=%s is not an http(s) URL", name, key, v)
		}
	}
}

func looksLikeURL(v string) bool { return strings.Contains(v, "://") }

func unspecifiedHost(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return strings.Contains(raw, "0.0.0.0")
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsUnspecified()
}

func sortedNames(p *types.Project) []string {
	names := p.ServiceNames()
	sort.Strings(names)
	return names
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
