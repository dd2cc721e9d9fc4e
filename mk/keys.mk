# The local secrets of make up, make api and the pipeline (scripts/local-keys.sh): the pseudonym
# key the API and the pipeline share, the API's key file and its admin and frontend keys, in
# .cache/keys/ (TUNEDIN_UP_KEYS_DIR), made on first use.

# Runs a command with TUNEDIN_PSEUDONYM_KEY and TUNEDIN_API_KEYS_FILE: yours from the
# environment, else the local ones.
WITH_LOCAL_KEYS = bash $(CURDIR)/scripts/local-keys.sh exec

##@ API keys

.PHONY: keys
keys: setup ## Make the local keys if missing (.cache/keys/) and list the key file's keys (python -m tunedin_api.keys --help: add, revoke)
	@$(WITH_LOCAL_KEYS) $(PY) -m tunedin_api.keys list
