# HPC Container Maker recipe comparable to ONE variant of the container backend
# (sglang-python312-cuda12_8-sm90-avx512, per-variant layout): a torch build stage from a CUDA
# devel base, a runtime stage with the pinned wheels, the torch wheel, the runtime environment,
# labels and the entry point. Used only by benchmarks/container-emit.sh (`hpccm --recipe`).
# pylint: disable=undefined-variable  (hpccm injects Stage, baseimage, apt_get, … into recipes)
base = 'nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04@sha256:24c8e3581ea6330038b0d374920721983312627f8adbfcf390bdb4b399d280ed'
flags = '-mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma'

Stage0 += baseimage(image=base, _as='torch-build')
Stage0 += apt_get(ospackages=['ca-certificates', 'ccache', 'cmake', 'curl', 'g++', 'git', 'ninja-build',
                              'python3.12-dev', 'python3-numpy', 'python3-packaging', 'python3-pip',
                              'python3-requests', 'python3-setuptools', 'python3-six',
                              'python3-typing-extensions', 'python3-wheel', 'python3-yaml'])
Stage0 += shell(commands=[
    'curl -fsSL -o /tmp/pytorch-v2.9.1.tar.gz https://github.com/pytorch/pytorch/releases/download/v2.9.1/pytorch-v2.9.1.tar.gz',
    'echo "0000000000000000000000000000000000000000000000000000000000000000  /tmp/pytorch-v2.9.1.tar.gz" | sha256sum --check --strict',
    'mkdir -p /src/pytorch',
    'tar -xzf /tmp/pytorch-v2.9.1.tar.gz -C /src/pytorch --strip-components=1',
    'rm /tmp/pytorch-v2.9.1.tar.gz'])
Stage0 += environment(variables={'TORCH_CUDA_ARCH_LIST': '9.0', 'CFLAGS': flags, 'CXXFLAGS': flags,
                                 'MAX_JOBS': '16', 'CMAKE_BUILD_PARALLEL_LEVEL': '16',
                                 'PYTORCH_BUILD_VERSION': '2.9.1', 'PYTORCH_BUILD_NUMBER': '1'})
Stage0 += workdir(directory='/src/pytorch')
Stage0 += shell(commands=['python3.12 -m pip wheel --no-build-isolation --no-deps --no-index --wheel-dir /wheels .'])

Stage1 += baseimage(image=base, _as='runtime')
Stage1 += apt_get(ospackages=['libnuma1', 'libstdc++6', 'python3.12', 'python3.12-venv'])
Stage1 += shell(commands=['useradd --create-home --uid 10001 --user-group --shell /bin/bash sglang',
                          'mkdir -p /var/cache/sglang/flashinfer',
                          'chown -R sglang:sglang /var/cache/sglang',
                          'python3.12 -m venv /opt/sglang'])
Stage1 += copy(src=['requirements/wheels.txt', 'requirements/python-closure.txt'], dest='/opt/sglang/requirements/')
Stage1 += shell(commands=['/opt/sglang/bin/pip install --no-cache-dir --require-hashes --no-deps '
                          '-r /opt/sglang/requirements/wheels.txt -r /opt/sglang/requirements/python-closure.txt'])
Stage1 += copy(_from='torch-build', src='/wheels/', dest='/tmp/torch-wheel/')
Stage1 += shell(commands=['/opt/sglang/bin/pip install --no-cache-dir --no-deps --no-index /tmp/torch-wheel/torch-2.9.1-*.whl',
                          'rm -rf /tmp/torch-wheel'])
Stage1 += environment(variables={'VIRTUAL_ENV': '/opt/sglang', 'PATH': '/opt/sglang/bin:$PATH',
                                 'CUDA_HOME': '/usr/local/cuda', 'CPATH': '/usr/local/cuda/include',
                                 'LIBRARY_PATH': '/usr/local/cuda/lib64',
                                 'FLASHINFER_JIT_DIR': '/var/cache/sglang/flashinfer'})
Stage1 += label(metadata={'org.opencontainers.image.title': 'sglang-python312-cuda12_8-sm90-avx512',
                          'org.opencontainers.image.version': '0.5.9',
                          'dev.sglang-forge.capabilities': '9.0',
                          'dev.sglang-forge.isa-flags': flags})
Stage1 += user(user='10001:10001')
Stage1 += runscript(commands=['sglang'])
