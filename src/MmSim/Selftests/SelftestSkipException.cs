using System;

namespace MmSim.Selftests;

/// <summary>A kind or family that cannot run on this machine (ksft_test_result_skip).</summary>
internal sealed class SelftestSkipException(string reason) : Exception(reason);
