"""What the bench scripts share: bench data, the servers' processes, the baseline site."""
