/*
 * boot.S: multiboot (v1) entry of the Strata test guest.  QEMU's -kernel
 * loader jumps here in 32-bit protected mode, paging off, with the
 * multiboot magic in %eax and the info block address in %ebx; we set up a
 * stack and call guest_main(magic, info), which never returns.
 */
	.set	MB_MAGIC,	0x1badb002
	.set	MB_FLAGS,	0x00000003	/* page-align modules, memory info */

	.section .multiboot, "a"
	.align	4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.section .bss
	.align	16
stack_bottom:
	.skip	16384
stack_top:

	.section .text
	.globl	_start
	.type	_start, @function
_start:
	cli
	movl	$stack_top, %esp
	xorl	%ebp, %ebp
	pushl	%ebx
	pushl	%eax
	call	guest_main
1:	hlt
	jmp	1b
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
