/**
 * The fault suite (issue 13): real Redis processes killed, hung, failed over and cut off while a load driver
 * runs against real Tomcat instances, plus fuzz and soak runs. Every class is tagged {@code reliability}; each
 * prints its figures and writes them to {@code target/reliability/}. {@link Scale} picks the short form (CI)
 * or the full one ({@code -Dsf.reliability=full}).
 */
package dev.sessionfilter.reliability;
