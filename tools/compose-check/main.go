// compose-check loads docker-compose.yml with the Compose specification's own loader (compose-go),
// strictly: schema validation, interpolation with only the variables given (a missing required one
// fails), normalisation and consistency checks. It then checks what a deployment needs to boot
// (see checks.go) and, with -json, prints the normalised project for the dry run
// (tools/compose-check/dry-run.js).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func main() {
	envFile := flag.String("env-file", "", "KEY=VALUE lines: the only variables the file is interpolated with")
	asJSON := flag.Bool("json", false, "print the normalised project as JSON on stdout")
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "usage: compose-check [-env-file FILE] [-json] docker-compose.yml") }
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	env, err := readEnvFile(*envFile)
	if err != nil {
		fail(err)
	}
	project, err := load(context.Background(), flag.Arg(0), env)
	if err != nil {
		fail(err)
	}
	if problems := check(project); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "compose-check: "+p)
		}
		os.Exit(1)
	}
	if *asJSON {
		out, err := project.MarshalJSON()
		if err != nil {
			fail(err)
		}
		os.Stdout.Write(append(out, '\n'))
		return
	}
	names := project.ServiceNames()
	sort.Strings(names)
	fmt.Fprintf(os.Stderr, "compose-check: %s loads and passes every check (%d services: %s)\n", flag.Arg(0), len(names), strings.Join(names, ", "))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compose-check: "+err.Error())
	os.Exit(1)
}

// load reads the file as `docker compose` does, but with the given variables only (no OS
// environment, no .env discovery), so the outcome does not depend on the machine.
func load(ctx context.Context, file string, env map[string]string) (*types.Project, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	pairs := make([]string, 0, len(env))
	for k, v := range env {
		pairs = append(pairs, k+"="+v)
	}
	options, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithEnv(pairs),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, err
	}
	return options.LoadProject(ctx)
}

func readEnvFile(path string) (map[string]string, error) {
	env := map[string]string{}
	if path == "" {
		return env, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: not KEY=VALUE", path, i+1)
		}
		env[strings.TrimSpace(key)] = strings.TrimSpace(value)
	}
	return env, nil
}
