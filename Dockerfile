# The ownbench toolkit on Debian bookworm: every Debian package its tasks need, and its virtual
# environment (.venv) made at build time. Nothing here is specific to one architecture:
#
#   docker build -t ownbench .
#   docker buildx build --platform linux/amd64,linux/arm64 -t ownbench .
#
# Results go to /work/ownbench/results (results/<date>-<label>-<arch>-<profile>/); mount a host
# directory there to keep them:
#
#   docker run --rm -v "$PWD/results:/work/ownbench/results" ownbench               # ./toolkit reproduce
#   docker run --rm -v "$PWD/results:/work/ownbench/results" ownbench ./toolkit reproduce --profile full
#   docker run --rm ownbench ./toolkit selftest --fast
#
# Without a Docker engine, ownbench.container.docker_check() builds this with buildah on a base image
# debootstrapped from the machine's Debian mirror (--build-arg BASE_IMAGE=localhost/ownbench-base:bookworm)
# and runs the toolkit's fast tests in it.
ARG BASE_IMAGE=debian:bookworm
FROM ${BASE_IMAGE}

# ownbench.system_deps.BUILD_PACKAGES and BENCH_PACKAGES, then what ./toolkit itself needs
# (ownbench.container checks that this list covers them).
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        build-essential pkg-config ccache xz-utils git libssl-dev zlib1g-dev libbz2-dev liblzma-dev \
        libsqlite3-dev libffi-dev libreadline-dev libncurses-dev libgdbm-dev uuid-dev libzstd-dev \
        valgrind util-linux \
        python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# PEM text of further certificate authorities to trust, for a network whose TLS passes through an
# intercepting proxy: --build-arg EXTRA_CA_CERTS="$(cat /usr/local/share/ca-certificates/*.crt)"
# (docker_check passes those of the build machine). pip, which otherwise trusts only its own
# bundle, is pointed at the system one.
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
        printf '%s\n' "$EXTRA_CA_CERTS" \
            | awk '/BEGIN CERTIFICATE/ {n++} n {print > ("/usr/local/share/ca-certificates/extra-" n ".crt")}' \
        && update-ca-certificates; \
    fi
ENV LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /work/ownbench
COPY . .
RUN ./toolkit --list && mkdir -p results

# Where results go: -v "$PWD/results:/work/ownbench/results" keeps them on the host.
VOLUME ["/work/ownbench/results"]
CMD ["./toolkit", "reproduce"]
