from tunedin_api.keys.cli import app

app(prog_name="python -m tunedin_api.keys")
