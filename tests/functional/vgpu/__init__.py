# SPDX-License-Identifier: GPL-2.0-or-later
"""Functional-test support for the virtio-gpu device model."""
