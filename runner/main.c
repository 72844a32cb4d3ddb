/* main.c: the flowrun command line (placeholder while the commands are written). */
#include <stdio.h>

int main(void)
{
	puts("flowrun");
	return 0;
}
