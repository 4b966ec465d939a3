using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MmSim.Analyzers.Infrastructure;

/// <summary>
/// Base of every MmSim analyzer: concurrent, silent on generated code, and registering nothing for a
/// compilation that does not reference the runtime. Rules override <see cref="AnalyzeCompilation"/>.
/// </summary>
public abstract class MmSimDiagnosticAnalyzer : DiagnosticAnalyzer
{
    private readonly ImmutableArray<DiagnosticDescriptor> _supported;

    private protected MmSimDiagnosticAnalyzer(params DiagnosticDescriptor[] supported)
    {
        _supported = ImmutableArray.Create(supported);
    }

    public sealed override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => _supported;

    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var types = KnownTypes.TryCreate(start.Compilation);
            if (types is not null)
                AnalyzeCompilation(start, types);
        });
    }

    private protected abstract void AnalyzeCompilation(CompilationStartAnalysisContext context, KnownTypes types);
}
