"""The gateway: the only public surface. FastAPI, no eventlet, no domain logic."""
