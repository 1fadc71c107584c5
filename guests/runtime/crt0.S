/* SPDX-License-Identifier: MIT */
/*
 * Guest entry, on every vCPU (see guest_abi.h): RDI = vCPU id,
 * RSI = &struct lab_boot_info, RDX = this vCPU's mailbox, RSP = the top of
 * its stack. Keeps the top 16 bytes of the stack for the runtime (the
 * struct lab_cpu pointer, see cpu.h) and calls
 *   lab_runtime_start(vcpu_id, boot, mailbox, entry_rsp),
 * which never returns; if it does, lab_runtime_returned panics.
 */
	.section .text.start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	mov	%rsp, %rcx		/* entry_rsp: the runtime checks it */
	and	$-16, %rsp
	sub	$16, %rsp		/* the runtime's words; keeps 16-byte alignment */
	xor	%ebp, %ebp		/* the outermost frame, for backtraces */
	call	lab_runtime_start
1:	call	lab_runtime_returned
	jmp	1b
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
