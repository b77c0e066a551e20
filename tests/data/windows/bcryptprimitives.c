/* For tests under wine only. Rust's std on Windows draws its random bytes from ProcessPrng in
 * bcryptprimitives.dll, which wine 8.0 does not provide; without it the provider exits before
 * main. This stand-in, placed beside the exe, answers from RtlGenRandom (SystemFunction036). */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
