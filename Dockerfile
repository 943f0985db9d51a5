# The grading image of the `docker` sandbox (grader/sandbox/docker.py): Python, the CPU
# build of torch pinned in constraints.txt, and the grader. Build it from the project folder:
#
#     docker build -t training-loop-grader:latest .
#
# Student code runs in containers of this image as nobody (65534), with no network and a
# read-only root; the grader package inside is readable by its owner only, so student code
# cannot read its held-out data. The image can also run `grade` itself (as user `grader`)
# on a course folder that is mounted in: -v "$PWD":/course -e GRADER_COURSE_ROOT=/course.
#
# Build arguments:
#   BASE         any Debian-like image with python3 (>= 3.11) and its venv module
#   TORCH_INDEX  an extra index for torch: the CPU wheels by default (no CUDA, 200 MB); a
#                CUDA index (e.g. https://download.pytorch.org/whl/cu126) for `grade --gpu`;
#                empty when a local wheel is given instead (see build-extra/ below).
# Optional context folder build-extra/ (git-ignored; .ci/docker fills it): wheels that pip
# takes first (a local torch wheel) and ca-certificates.crt, a CA bundle for pip.
ARG BASE=python:3.11-slim

FROM ${BASE} AS build
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
# `build-extr[a]` matches the optional folder and copies its files (none when it is absent).
COPY constraints.txt build-extr[a] /tmp/extra/
# torch first, in a layer of its own: it is most of the image and changes least.
RUN python3 -m venv /opt/venv \
    && if [ -f /tmp/extra/ca-certificates.crt ]; then export PIP_CERT=/tmp/extra/ca-certificates.crt; fi \
    && /opt/venv/bin/pip install --find-links /tmp/extra -c /tmp/extra/constraints.txt \
        ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} torch \
    && ln -s "$(/opt/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
        /opt/venv/site-packages
# Then the grader's other dependencies (they change when pyproject.toml does), then the
# grader itself (it changes most often).
COPY pyproject.toml /src/
RUN if [ -f /tmp/extra/ca-certificates.crt ]; then export PIP_CERT=/tmp/extra/ca-certificates.crt; fi \
    && mkdir /src/grader && touch /src/grader/__init__.py /src/README.md \
    && /opt/venv/bin/pip install --find-links /tmp/extra -c /tmp/extra/constraints.txt /src \
    && /opt/venv/bin/pip uninstall -y training-loop-grader \
    && rm -rf /src/grader /src/build /src/README.md /src/*.egg-info
COPY README.md /src/
COPY grader /src/grader
RUN if [ -f /tmp/extra/ca-certificates.crt ]; then export PIP_CERT=/tmp/extra/ca-certificates.crt; fi \
    && /opt/venv/bin/pip install --no-deps /src \
    && find /opt/venv -name __pycache__ -prune -exec rm -rf {} +

FROM ${BASE}
COPY --from=build /opt/venv /opt/venv
RUN useradd --uid 1000 --user-group --no-create-home --home-dir /tmp grader \
    && chown -R grader:grader /opt/venv/site-packages/grader \
    && chmod -R go-rwx /opt/venv/site-packages/grader
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 LANG=C.UTF-8
USER grader
WORKDIR /tmp
CMD ["grade", "--help"]
