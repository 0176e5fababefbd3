/*
 * Sleep packages the way firmware vendors' iasl sources often declare
 * them: by absolute name (\_S3), also from inside another scope, one of
 * them of two elements only, and a method that merely mentions "_S2_".
 */
DefinitionBlock ("", "DSDT", 2, "KJUMP", "ROOTSX", 1)
{
    Name (\_S0, Package (0x04) { Zero, Zero, Zero, Zero })
    Name (\_S3, Package (0x02) { 0x05, 0x05 })
    Name (\_S4, Package (0x04) { 0x06, 0x06, Zero, Zero })
    Scope (\_SB)
    {
        Name (\_S5, Package () { 0x07, 0x07, Zero, Zero })
    }
    Method (_PTS, 1)
    {
        Store ("_S2_", Debug)
    }
}
