/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: product identification reported to initiators.
 */
#ifndef SRAID_VERSION_H
#define SRAID_VERSION_H

#define SRAID_VENDOR                "SRAID"         /* T10 vendor id, 8 max */
#define SRAID_CTRL_PRODUCT          "CLUSTER RAID"  /* 16 characters max */
#define SRAID_FIRMWARE_REVISION     "0001"          /* 4 characters */

#endif /* SRAID_VERSION_H */
