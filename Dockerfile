# The Convolution Visualizer in a container: CPU-only PyTorch, one Streamlit server on port 8501.
#
#   docker build -t convviz .
#   docker run -p 8501:8501 convviz
#   docker build --build-arg WITH_WEIGHTS=1 -t convviz .   # bake AlexNet's weights in (233 MB, needs internet)
#
# Several replicas behind a load balancer with sticky sessions: docs/scale.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # glibc tuned for one thread per session: much less memory with many sessions (docs/scale.md)
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=524288 \
    TORCH_HOME=/app/.torch

WORKDIR /app

# CPU build of torch from PyTorch's own index (PyPI's default wheel is a CUDA build of several GB).
COPY requirements.txt pyproject.toml README.md ./
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
    && pip install -r requirements.txt

COPY . .
# The app's bytecode, compiled once here: the server never writes it (PYTHONDONTWRITEBYTECODE, a
# read-only root filesystem on Kubernetes), and compiling at each start delays the first page.
RUN python -m compileall -q app convcore \
    && pip install --no-deps -e . \
    && useradd --create-home --uid 10001 convviz \
    && mkdir -p /app/.torch && chown -R convviz /app/.torch

ARG WITH_WEIGHTS=0
RUN if [ "$WITH_WEIGHTS" = "1" ]; then python -m convcore.nets.weights; fi

USER convviz
EXPOSE 8501

# Streamlit's own health endpoint: 200 "ok" once the server is up.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2).status != 200)"

CMD ["python", "-m", "streamlit", "run", "app/main.py", \
     "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
