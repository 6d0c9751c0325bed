#!/usr/bin/env bash
# Regenerates the device-code fixtures of Tests/DeviceCodeTests/Fixtures from hand-written PTX,
# with NVIDIA's own tools from PyPI, and records cuobjdump's view of each fixture beside it:
#   NAME.cuobjdump.txt  `cuobjdump --list-elf --list-ptx NAME`
#   NAME.symbols.txt    `cuobjdump -symbols NAME` (entry kernels: FUNC … ENTRY)
#   NAME.elf.txt        `cuobjdump -elf NAME | grep '64-bit ELF'` (a cubin's SM as cuobjdump reads it)
# Tools (not needed by the tests): `pip download` nvidia-cuda-nvcc (13.x: ptxas, fatbinary),
# nvidia-cuda-nvcc-cu12 (12.9 ptxas: sm_61 and the older e_flags layout), nvidia-cuda-cuobjdump;
# gcc, objcopy, patchelf and liblz4-dev (the LZ4 entries) from Debian.
# Usage: PTXAS13=… PTXAS12=… FATBINARY=… CUOBJDUMP=… scripts/make-device-code-fixtures.sh
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/Tests/DeviceCodeTests/Fixtures"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

cat > k.ptx <<'PTX'
.version VERSION
.target TARGET
.address_size 64

.func (.reg .f32 %r) twice(.reg .f32 %v)
{
	add.f32 %r, %v, %v;
	ret;
}

.visible .entry add_one(.param .u64 p_x, .param .u32 p_n)
{
	.reg .pred %p<2>;
	.reg .b32 %r<6>;
	.reg .f32 %f<3>;
	.reg .b64 %rd<5>;
	ld.param.u64 %rd1, [p_x];
	ld.param.u32 %r2, [p_n];
	mov.u32 %r3, %ctaid.x;
	mov.u32 %r4, %ntid.x;
	mov.u32 %r5, %tid.x;
	mad.lo.s32 %r1, %r3, %r4, %r5;
	setp.ge.s32 %p1, %r1, %r2;
	@%p1 bra DONE;
	cvta.to.global.u64 %rd2, %rd1;
	mul.wide.s32 %rd3, %r1, 4;
	add.s64 %rd4, %rd2, %rd3;
	ld.global.f32 %f1, [%rd4];
	call (%f2), twice, (%f1);
	st.global.f32 [%rd4], %f2;
DONE:
	ret;
}

.visible .entry scale(.param .u64 p_x, .param .f32 p_a)
{
	.reg .b64 %rd<3>;
	.reg .f32 %f<4>;
	ld.param.u64 %rd1, [p_x];
	ld.param.f32 %f1, [p_a];
	cvta.to.global.u64 %rd2, %rd1;
	ld.global.f32 %f2, [%rd2];
	mul.f32 %f3, %f2, %f1;
	st.global.f32 [%rd2], %f3;
	ret;
}
PTX
# Only a device function: a cubin with no entry kernel.
cat > nokernels.ptx <<'PTX'
.version 8.0
.target sm_90
.address_size 64

.visible .func (.reg .f32 %r) twice(.reg .f32 %v)
{
	add.f32 %r, %v, %v;
	ret;
}
PTX
ptx() { sed "s/VERSION/$1/;s/TARGET/$2/" k.ptx > "k_$2.ptx"; }
for a in sm_80 sm_86 sm_90 sm_90a; do ptx 8.0 $a; "$PTXAS13" -arch=$a k_$a.ptx -o k_$a.cubin; done
for a in sm_100a sm_120 sm_120a; do ptx 8.8 $a; "$PTXAS13" -arch=$a k_$a.ptx -o k_$a.cubin; done
ptx 7.0 sm_61; "$PTXAS12" -arch=sm_61 k_sm_61.ptx -o k_sm_61.cubin
ptx 8.8 sm_100a; "$PTXAS12" -arch=sm_100a k_sm_100a.ptx -o k12_sm_100a.cubin
"$PTXAS13" -arch=sm_90 nokernels.ptx -o nokernels_sm_90.cubin

"$FATBINARY" --create=multi.fatbin --compress=false --image3=kind=elf,sm=80,file=k_sm_80.cubin \
  --image3=kind=elf,sm=90a,file=k_sm_90a.cubin --image3=kind=elf,sm=100a,file=k_sm_100a.cubin --image3=kind=ptx,sm=90,file=k_sm_90.ptx
"$FATBINARY" --create=zstd.fatbin --compress-all --image3=kind=elf,sm=90,file=k_sm_90.cubin \
  --image3=kind=ptx,sm=120a,file=k_sm_120a.ptx --image3=kind=elf,sm=120,file=k_sm_120.cubin
"$FATBINARY" --create=ptxonly.fatbin --compress=false --image3=kind=ptx,sm=80,file=k_sm_80.ptx
"$FATBINARY" --create=nokernels.fatbin --compress=false --image3=kind=elf,sm=90,file=nokernels_sm_90.cubin --image3=kind=elf,sm=80,file=k_sm_80.cubin
# LZ4 entries (flag 0x2000, as nvcc of CUDA 11/12 writes them): the uncompressed fatbin with
# its payloads recompressed by liblz4, rewritten by a small C program.
cat > lz4ify.c <<'C'
#include <lz4.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "rb"); fseek(f, 0, SEEK_END); long n = ftell(f); rewind(f);
  uint8_t *in = malloc(n); fread(in, 1, n, f); fclose(f);
  uint8_t *out = calloc(1, n * 2 + 4096); memcpy(out, in, 16);
  uint16_t hs; memcpy(&hs, in + 6, 2); uint64_t size; memcpy(&size, in + 8, 8);
  size_t r = hs, w = hs;
  while (r < hs + size) {
    uint32_t ehs; uint64_t psize, flags; memcpy(&ehs, in + r + 4, 4); memcpy(&psize, in + r + 8, 8); memcpy(&flags, in + r + 40, 8);
    memcpy(out + w, in + r, ehs);
    int c = LZ4_compress_default((char *)in + r + ehs, (char *)out + w + ehs, (int)psize, LZ4_compressBound((int)psize));
    uint64_t padded = (c + 7) & ~7ULL; uint32_t csize = c; flags |= 0x2000; uint64_t dsize = psize;
    memcpy(out + w + 8, &padded, 8); memcpy(out + w + 16, &csize, 4); memcpy(out + w + 40, &flags, 8); memcpy(out + w + 56, &dsize, 8);
    w += ehs + padded; r += ehs + psize;
  }
  uint64_t total = w - hs; memcpy(out + 8, &total, 8);
  f = fopen(argv[2], "wb"); fwrite(out, 1, w, f); fclose(f); return 0;
}
C
gcc -O1 -o lz4ify lz4ify.c -llz4
"$FATBINARY" --create=plain.fatbin --compress=false --image3=kind=elf,sm=86,file=k_sm_86.cubin --image3=kind=ptx,sm=80,file=k_sm_80.ptx
./lz4ify plain.fatbin lz4.fatbin

# Host shared objects carrying a .nv_fatbin section and a DT_NEEDED libcudart.so.N.
echo 'int forge_fixture(void) { return 1; }' > host.c
gcc -shared -fPIC -o host.so host.c
objcopy --add-section .nv_fatbin=multi.fatbin --set-section-flags .nv_fatbin=alloc,readonly host.so libmulti.so
patchelf --add-needed libcudart.so.12 libmulti.so
objcopy --add-section .nv_fatbin=ptxonly.fatbin --set-section-flags .nv_fatbin=alloc,readonly host.so libptx13.so
patchelf --add-needed libcudart.so.13 libptx13.so
cp host.so libnodevice.so

fixtures=(multi.fatbin zstd.fatbin ptxonly.fatbin nokernels.fatbin lz4.fatbin libmulti.so libptx13.so libnodevice.so
  k_sm_61.cubin k_sm_90a.cubin k_sm_100a.cubin k12_sm_100a.cubin nokernels_sm_90.cubin)
rm -rf "$out" && mkdir -p "$out"
for f in "${fixtures[@]}"; do
  cp "$f" "$out/$f"
  (cd "$out" && "$CUOBJDUMP" --list-elf --list-ptx "$f" > "$f.cuobjdump.txt" 2>&1 || true)
  (cd "$out" && "$CUOBJDUMP" -symbols "$f" > "$f.symbols.txt" 2>&1 || true)
  case "$f" in *.cubin) (cd "$out" && { "$CUOBJDUMP" -elf "$f" 2>&1 | grep -E '64-bit ELF|fatal' || true; } > "$f.elf.txt") ;; esac
done
"$CUOBJDUMP" --version | tail -2 > "$out/CUOBJDUMP_VERSION"
ls -la "$out"
