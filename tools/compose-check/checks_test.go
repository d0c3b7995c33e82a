package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A minimal deployment that passes every check; each case below breaks one thing.
const good = `
name: t
services:
  db:
    image: postgres:17
    healthcheck: { test: ["CMD", "pg_isready"] }
  kafka:
    image: apache/kafka:4.1.2
    environment: { KAFKA_LOG_DIRS: /var/lib/kafka/data }
    volumes: [kafkadata:/var/lib/kafka/data]
    healthcheck: { test: ["CMD", "/opt/kafka/bin/kafka-broker-api-versions.sh", "--bootstrap-server", "localhost:9092"] }
  init:
    image: busybox:1.37
    command: ["true"]
    restart: "no"
  app:
    build: { context: . }
    environment:
      AIRLOCK_OIDC_ISSUER: https://idp.example/realms/tre
      AIRLOCK_OIDC_JWKS_URL: https://idp.example/realms/tre/certs
      AIRLOCK_PUBLIC_INGRESS_URL: https://airlock.example.org
      AIRLOCK_HOST: 0.0.0.0
    depends_on:
      db: { condition: service_healthy }
      init: { condition: service_completed_successfully }
    healthcheck: { test: ["CMD", "true"] }
volumes: { kafkadata: {} }
`

func problemsFor(t *testing.T, yaml string) []string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	project, err := load(context.Background(), file, map[string]string{})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return check(project)
}

func TestAMinimalGoodDeploymentPasses(t *testing.T) {
	if problems := problemsFor(t, good); len(problems) != 0 {
		t.Fatalf("want no problems, got %q", problems)
	}
}

func TestEachBrokenDeploymentIsRefused(t *testing.T) {
	cases := []struct{ name, from, to, want string }{
		{"no healthcheck", `    healthcheck: { test: ["CMD", "pg_isready"] }`, ``, "app: waits for db to be healthy, but db has no healthcheck"},
		{"disabled healthcheck", `    healthcheck: { test: ["CMD", "true"] }`, `    healthcheck: { disable: true }`, "app: no healthcheck"},
		{"started is not ready", `db: { condition: service_healthy }`, `db: { condition: service_started }`, `depends_on db with condition "service_started"`},
		{"a restarting init step", `    restart: "no"`, `    restart: always`, "init: a one-shot step others wait for must not restart"},
		{"links on 0.0.0.0", `https://airlock.example.org`, `http://0.0.0.0:3000`, "AIRLOCK_PUBLIC_INGRESS_URL=http://0.0.0.0:3000 points at an unspecified address"},
		{"links on ::", `https://airlock.example.org`, `http://[::]:3000`, "points at an unspecified address"},
		{"no public URL", "      AIRLOCK_PUBLIC_INGRESS_URL: https://airlock.example.org\n", "", "app: AIRLOCK_PUBLIC_INGRESS_URL is not set"},
		{"development identity", "      AIRLOCK_HOST: 0.0.0.0\n", "      AIRLOCK_HOST: 0.0.0.0\n      AIRLOCK_DEV_IDENTITY: \"true\"\n", "AIRLOCK_DEV_IDENTITY=true"},
		{"Kafka's log off the volume", `[kafkadata:/var/lib/kafka/data]`, `[kafkadata:/kafka]`, "kafka: KAFKA_LOG_DIRS=/var/lib/kafka/data is on no named volume"},
		{"Kafka's log at the image default", `{ KAFKA_LOG_DIRS: /var/lib/kafka/data }`, `{ KAFKA_NODE_ID: "1" }`, "kafka: KAFKA_LOG_DIRS is not set"},
		{"no OIDC issuer", "      AIRLOCK_OIDC_ISSUER: https://idp.example/realms/tre\n", "", "app: AIRLOCK_OIDC_ISSUER is not set"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			broken := strings.Replace(good, c.from, c.to, 1)
			if broken == good {
				t.Fatalf("fixture did not change: %q not found", c.from)
			}
			problems := problemsFor(t, broken)
			if !strings.Contains(strings.Join(problems, "\n"), c.want) {
				t.Fatalf("want a problem containing %q, got %q", c.want, problems)
			}
		})
	}
}

func TestTheLoaderIsStrict(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yml")
	unknownKey := strings.Replace(good, "    restart: \"no\"", "    restart: \"no\"\n    restrat: always", 1)
	if err := os.WriteFile(file, []byte(unknownKey), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := load(context.Background(), file, map[string]string{}); err == nil || !strings.Contains(err.Error(), "restrat") {
		t.Fatalf("want the unknown key refused, got %v", err)
	}
	required := strings.Replace(good, "https://airlock.example.org", "${PUBLIC_URL:?set it}", 1)
	if err := os.WriteFile(file, []byte(required), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := load(context.Background(), file, map[string]string{}); err == nil || !strings.Contains(err.Error(), "PUBLIC_URL") {
		t.Fatalf("want a missing required variable refused, got %v", err)
	}
}

func TestTheRepositorysComposeFilePasses(t *testing.T) {
	env, err := readEnvFile("../../deploy/docker/example.env")
	if err != nil {
		t.Fatal(err)
	}
	project, err := load(context.Background(), "../../docker-compose.yml", env)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if problems := check(project); len(problems) != 0 {
		t.Fatalf("want no problems, got %q", problems)
	}
	for _, name := range []string{"ingress", "egress-review", "audit", "disclosure-check", "postgres", "kafka", "s3", "clamd"} {
		if _, ok := project.Services[name]; !ok {
			t.Errorf("service %s missing", name)
		}
	}
}
