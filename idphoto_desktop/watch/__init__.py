"""The watched folder: finished camera shots in, ID photos out (Qt-free).

``ready`` decides when a file is a finished photo, ``folder`` watches a folder headless
(watchdog + a periodic rescan), ``shot`` turns one shot into its documents.
"""
