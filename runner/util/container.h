/* container.h: getting from an embedded member back to its owner.
 *
 * Timers, list links and callbacks in flowrun are embedded in the object that
 * owns them (no allocation per timer, as h2o does); a callback that receives
 * the member recovers the owner with FR_CONTAINER_OF. FR_NELEM is the length
 * of a fixed array.
 */
#ifndef FR_CONTAINER_H
#define FR_CONTAINER_H

#include <stddef.h>

#define FR_CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#define FR_NELEM(a)                        (sizeof(a) / sizeof((a)[0]))

#endif
