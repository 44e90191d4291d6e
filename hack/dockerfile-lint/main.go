// dockerfile-lint runs BuildKit's Dockerfile checks (the rules behind `docker build --check`) without a Docker
// engine or registry access: base images resolve to a fixed linux/amd64 config instead of being pulled.
//
//	go run ./hack/dockerfile-lint Dockerfile
//
// Prints one line per finding (`Dockerfile:LINE RULE: detail`) and exits 1 when there is any.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/opencontainers/go-digest"
)

type offlineResolver struct{}

// ResolveImageConfig answers every base image with a minimal linux/amd64 config, so that platform and variable
// checks run without contacting a registry.
func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
	})
	if err != nil {
		return "", "", nil, err
	}
	return ref, digest.FromBytes(config), config, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dockerfile-lint <Dockerfile>")
		os.Exit(2)
	}
	path := os.Args[1]
	dt, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sourceMap := llb.NewSourceMap(nil, path, "Dockerfile", dt)
	// The lint result records its source with a (here empty) LLB definition; a nil one would crash.
	sourceMap.Definition = &llb.Definition{}
	opt := dockerfile2llb.ConvertOpt{
		SourceMap:    sourceMap,
		MetaResolver: offlineResolver{},
	}
	results, err := dockerfile2llb.DockerfileLint(context.Background(), dt, opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	findings := 0
	if results.Error != nil {
		fmt.Printf("%s: error: %s\n", path, results.Error.Message)
		findings++
	}
	for _, w := range results.Warnings {
		line := int32(0)
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = w.Location.Ranges[0].Start.Line
		}
		fmt.Printf("%s:%d %s: %s\n", path, line, w.RuleName, w.Detail)
		findings++
	}
	if findings > 0 {
		os.Exit(1)
	}
	fmt.Printf("%s: no findings\n", path)
}
