using Microsoft.CodeAnalysis;

namespace MmSim.CodeFixes.Infrastructure;

/// <summary>The whitespace a statement's line starts with, so that generated blocks line up with it.</summary>
internal static class Indentation
{
    public const string Unit = "    ";

    public static string Of(SyntaxNode node)
    {
        var text = node.SyntaxTree.GetText();
        var line = text.Lines.GetLineFromPosition(node.SpanStart);
        int start = line.Start;
        int end = start;
        while (end < line.End && text[end] is ' ' or '\t')
            end++;
        return text.ToString(new Microsoft.CodeAnalysis.Text.TextSpan(start, end - start));
    }
}
