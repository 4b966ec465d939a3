using System.Threading.Tasks;
using Xunit;
using Verify = MmSim.Analyzers.Tests.Infrastructure.Verifier<MmSim.Analyzers.Rules.PageTableLockNotHeldAnalyzer, Microsoft.CodeAnalysis.Testing.EmptyCodeFixProvider>;

namespace MmSim.Analyzers.Tests.Rules;

/// <summary>MM0009: APIs that need the PT lock are called with it held on every path (P12).</summary>
public class PageTableLockNotHeldTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using MmSim.Contracts;
        using MmSim.PageFlags;
        using MmSim.Rmap;

        class Table
        {
            private readonly object _ptl = new();
            [PageTableLock] public object PtLock(int slot) => _ptl;
            [AcquiresPageTableLock] public void Lock(int slot) => Monitor.Enter(_ptl);
            [ReleasesPageTableLock] public void Unlock(int slot) => Monitor.Exit(_ptl);
        }

        static class Rmap
        {
            [RequiresPageTableLock] public static bool Share(Page page) => true;
        }

        """;

    [Fact]
    public async Task A_call_after_the_lock_statement_names_the_api()
    {
        const string source = Usings + """
            class Swap
            {
                bool M(Table table, Page page)
                {
                    lock (table.PtLock(0))
                    {
                        Console.WriteLine("entry cleared");
                    }
                    return {|#0:Rmap.Share(page)|};
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic("MM0009").WithLocation(0).WithArguments("Share"));
    }

    [Fact]
    public async Task Before_the_lock_on_one_branch_only_after_unlock_in_loops_lambdas_and_catch_blocks()
    {
        const string source = Usings + """
            class C
            {
                bool Before(Table table, Page page)
                {
                    bool ok = {|MM0009:AnonRmap.PageTryShareAnonRmap(page)|};
                    lock (table.PtLock(0))
                        return ok;
                }

                bool OneBranch(Table table, Page page, bool locked)
                {
                    if (locked)
                        Monitor.Enter(table.PtLock(0));
                    return {|MM0009:Rmap.Share(page)|};
                }

                void Unlocked(Table table, Page[] pages)
                {
                    foreach (var page in pages)
                    {
                        table.Lock(0);
                        table.Unlock(0);
                        _ = {|MM0009:Rmap.Share(page)|};
                    }
                }

                Func<Page, bool> Lambda(Table table) => page =>
                {
                    lock (table.PtLock(0)) { }
                    return {|MM0009:Rmap.Share(page)|};
                };

                bool Catch(Table table, Page page)
                {
                    try
                    {
                        lock (table.PtLock(0))
                            throw new InvalidOperationException("entry changed");
                    }
                    catch (InvalidOperationException)
                    {
                        return {|MM0009:Rmap.Share(page)|};
                    }
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Calls_under_the_lock_and_functions_that_leave_locking_to_their_caller_are_fine()
    {
        const string source = Usings + """
            class C
            {
                bool Inside(Table table, Page page)
                {
                    lock (table.PtLock(0))
                    {
                        return Rmap.Share(page);
                    }
                }

                bool Nested(Table table, Page page)
                {
                    // fork holds the source and destination PT locks
                    lock (table.PtLock(0))
                    lock (table.PtLock(1))
                        return Rmap.Share(page);
                }

                bool Helpers(Table table, Page page)
                {
                    table.Lock(0);
                    try
                    {
                        return Rmap.Share(page);
                    }
                    finally
                    {
                        table.Unlock(0);
                    }
                }

                bool Explicit(Table table, Page page)
                {
                    Monitor.Enter(table.PtLock(0));
                    bool ok = Rmap.Share(page);
                    Monitor.Exit(table.PtLock(0));
                    return ok;
                }

                // copy_present_pte: called with the lock held by copy_pte_range
                bool CallerHoldsIt(Page page) => AnonRmap.PageTryShareAnonRmap(page);

                bool LambdaUnderLock(Table table, Page page)
                {
                    lock (table.PtLock(0))
                    {
                        Func<bool> share = () => Rmap.Share(page);
                        return share();
                    }
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Generated_code_and_code_without_the_runtime_are_skipped()
    {
        const string generated = "// <auto-generated/>\n" + Usings + """
            class C { bool M(Table t, Page p) { lock (t.PtLock(0)) { } return Rmap.Share(p); } }
            """;
        await Verify.VerifyAnalyzerAsync(generated);
        await Verify.VerifyWithoutRuntimeAsync("class C { readonly object o = new(); void M() { lock (o) { } } }");
    }

    [Fact]
    public async Task Broken_code_does_not_fail_the_analyzer()
    {
        const string source = Usings + """
            class C
            {
                bool M(Table t, Page p) { lock (t.PtLock(0)) { } return Rmap.Share(p; }
                bool N(Table t, Page p) { lock (t.PtLock()) { } return Rmap.Share(p); }
                bool O(Table t, Page p) { lock (missing) { } return Rmap.Share(p); }
            }
            """;
        await Verify.VerifyBrokenCodeAsync(source);
    }
}
