# Redis for the container flow test only (the chart runs the public redis image): Debian's
# redis-server in the same base as the TunedIn images, since no image can be pulled here.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/log/apt/* /var/log/dpkg.log
USER 10001:10001
EXPOSE 6379
ENTRYPOINT ["redis-server"]
