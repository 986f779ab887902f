#!/usr/bin/env bash
# Builds, on this machine, what a GPU machine needs to run the GPU checks with nothing installed there:
#   gpu-run/runtime/        a jlink Java runtime (java.base, java.logging, jdk.incubator.vector, jdk.unsupported)
#   gpu-run/lib/            the module jars and every test dependency (JUnit, jqwik, the JUnit launcher)
#   gpu-run/test-classes/   the compiled tests of kernels (the cross-backend suite) and tests (sd-tiny parity on
#                           CUDA), without the sd-tiny fixture: it is tracked, so it travels with the working tree
#   gpu-run/run-gpu-checks.sh
# gpu-run/ is git-ignored; the script fails if it exceeds 64 MiB (what may travel besides the tracked files).
# On the GPU machine, from the repository root:  gpu-run/run-gpu-checks.sh   (exit 0 pass, 1 failures, 3 no GPU)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/gpu-run"
build="${ZEST_GPU_BUILD_DIR:-target-gpu}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
limit=$((64 * 1024 * 1024))

rm -rf "$out"
mkdir -p "$out/lib" "$out/test-classes"
cd "$root"
nice -n 10 mvn -B -ntp -o -q -Dzest.buildDir="$build" -DskipTests -pl kernels,tests -am \
    package dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$out/lib"
for m in engine kernels nn weights-converter diffusion; do
  cp "$m/$build"/zest-*.jar "$out/lib/" 2>/dev/null || true
done
# the shaded CLI jar repeats every module (the plain module jars above are enough); the browser test's Selenium
# and its dependencies are not needed on the GPU machine
rm -f "$out/lib/zest.jar"
(cd "$out/lib" && rm -f selenium-*.jar opentelemetry-*.jar byte-buddy-*.jar guava-*.jar failureaccess-*.jar \
    listenablefuture-*.jar j2objc-*.jar error_prone_*.jar annotations-*.jar)
cp -r kernels/"$build"/test-classes "$out/test-classes/kernels"
# only the compiled tests: their fixtures are tracked (tests/src/test/resources goes on the class path there)
mkdir -p "$out/test-classes/tests"
cp -r tests/"$build"/test-classes/zest "$out/test-classes/tests/"

# The GPU checks load only these (JUnit and jqwik log through java.logging; FFM and the Vector API are in
# java.base / jdk.incubator.vector). The full CLI would add java.desktop (layout PNGs) and jdk.httpserver (serve):
# java.desktop alone is 19 MiB and would push the bundle over 64 MiB.
modules="java.base,java.logging,jdk.incubator.vector,jdk.unsupported"
jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$out/runtime"
echo "$modules" > "$out/runtime-modules.txt"

cat > "$out/run-gpu-checks.sh" <<'RUN'
#!/usr/bin/env bash
# Runs the GPU checks (kernels tests incl. the cross-backend property suite, sd-tiny parity on CUDA).
# From the repository root on the GPU machine. Extra arguments: selectors package:NAME / class:NAME.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root/kernels"   # the PTX tests read src/main/cuda relative to the module
exec "$here/runtime/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m -Xmx24g \
    -cp "$here/test-classes/kernels:$here/test-classes/tests:$root/tests/src/test/resources:$here/lib/*" \
    zest.kernels.GpuChecks "$@"
RUN
chmod +x "$out/run-gpu-checks.sh"

size=$(du -sb "$out" | cut -f1)
echo "gpu-run: $((size / 1024 / 1024)) MiB (runtime $(du -sh "$out/runtime" | cut -f1), lib $(du -sh "$out/lib" | cut -f1)); modules: $modules"
if [ "$size" -gt "$limit" ]; then
  echo "gpu-run is over 64 MiB: trim lib/ or the runtime's modules" >&2
  exit 1
fi
