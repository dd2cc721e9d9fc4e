# Stand-in for the chart's Redis image (the official redis:<redis.image.tag>, alpine) in the
# container tests only, since no image can be pulled on these machines: Debian's redis-server in
# the same base as the TunedIn images. tests/images/flow.py runs it with exactly the rendered
# StatefulSet container's command (/bin/sh -c "exec redis-server ..."), args, env, uid 999,
# read-only root, resources and volumes, so the chart's command line is what is tested.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}
# /data is where the chart mounts Redis's claim. In a pod fsGroup makes the claim writable for uid
# 999; here Docker copies this directory's ownership into the empty named volume mounted over it.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/log/apt/* /var/log/dpkg.log \
 && mkdir -p /data && chown 999:999 /data
USER 999:999
EXPOSE 6379
ENTRYPOINT ["redis-server"]
