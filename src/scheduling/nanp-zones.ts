/**
 * NANP (US and Canada) area code → IANA zones. Area codes per state and province from NANPA's area code lists
 * (nanpa.com, "Area Codes by State/Province"), zones from the tz database's zone.tab and its comments on which
 * counties each zone covers. An area code that straddles a zone line lists every zone it reaches, so the
 * scheduler picks a time that is permitted in all of them. An area code not listed here falls back to every
 * zone of the country (src/scheduling/country-zones.ts).
 */
const ET = 'America/New_York';
const CT = 'America/Chicago';
const MT = 'America/Denver';
const PT = 'America/Los_Angeles';

/** [zones, area codes]. */
const GROUPS: [readonly string[], string][] = [
  // Eastern, whole state or district.
  [[ET], 'CT 203 475 860 959 | DE 302 | DC 202 771 | GA 229 404 470 478 678 706 762 770 912 943 | ME 207 | MD 227 240 301 410 443 667'],
  [[ET], 'MA 339 351 413 508 617 774 781 857 978 | NH 603 | NJ 201 551 609 640 732 848 856 862 908 973 | RI 401 | VT 802'],
  [[ET], 'NY 212 315 329 332 347 363 516 518 585 607 624 631 646 680 716 718 838 845 914 917 929 934'],
  [[ET], 'NC 252 336 472 704 743 828 910 919 980 984 | OH 216 220 234 283 326 330 380 419 436 440 513 567 614 740 937'],
  [[ET], 'PA 215 223 267 272 412 445 484 570 582 610 717 724 814 835 878 | SC 803 821 839 843 854 864'],
  [[ET], 'VA 276 434 540 571 686 703 757 804 826 948 | WV 304 681'],
  [[ET], 'FL 239 305 321 324 352 386 407 561 645 656 689 727 728 754 772 786 813 863 904 941 954'],
  [['America/Detroit'], 'MI 231 248 269 313 517 586 616 679 734 810 947 989'],
  [['America/Indiana/Indianapolis'], 'IN 260 317 463 765'],
  [['America/Kentucky/Louisville'], 'KY 502 606 859'],
  [[ET], 'TN 865'],
  // Central.
  [[CT], 'AL 205 251 256 334 483 659 938 | AR 327 479 501 870 | IL 217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 861 872'],
  [[CT], 'IA 319 515 563 641 712 | LA 225 318 337 457 504 985 | MN 218 320 507 612 651 763 924 952 | MS 228 471 601 662 769'],
  [[CT], 'MO 235 314 417 557 573 636 660 816 975 | OK 405 539 572 580 918 | WI 262 274 353 414 534 608 715 920'],
  [[CT], 'TN 615 629 731 901 931 | KS 316 913 | NE 402 531'],
  [[CT], 'TX 210 214 254 281 325 346 361 409 430 469 512 682 713 726 737 806 817 830 832 903 936 940 945 956 972 979'],
  // Mountain and Pacific.
  [[MT], 'CO 303 719 720 748 970 983 | MT 406 | NM 505 575 | UT 385 435 801 | WY 307 | TX 915'],
  [['America/Phoenix'], 'AZ 480 520 602 623'],
  [[PT], 'CA 209 213 279 310 323 341 350 357 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 738 747 760 805 818 820 831 837 840 858 909 916 925 949 951'],
  [[PT], 'WA 206 253 360 425 509 564 | NV 702 725 775 | OR 503 971'],
  [['Pacific/Honolulu'], 'HI 808'],
  // Straddling a zone line.
  [['America/Detroit', 'America/Menominee'], 'MI 906'],
  [['America/Indiana/Indianapolis', CT], 'IN 219 812 930'],
  [['America/Indiana/Indianapolis', 'America/Indiana/Knox'], 'IN 574'],
  [[CT, 'America/Kentucky/Louisville'], 'KY 270 364'],
  [[ET, CT], 'TN 423 | FL 448 850'],
  [[CT, MT], 'TX 432 | KS 620 785 | NE 308 | SD 605 | ND 701'],
  [['America/Boise', PT], 'ID 208 986 | OR 458 541'],
  [['America/Phoenix', MT], 'AZ 928'],
  [['America/Anchorage', 'America/Adak'], 'AK 907'],
  // Canada.
  [['America/Vancouver'], 'BC 604'],
  [['America/Vancouver', 'America/Edmonton'], 'BC 236 250 257 672 778'],
  [['America/Edmonton'], 'AB 368 403 587 780 825'],
  [['America/Regina'], 'SK 306 474 639'],
  [['America/Winnipeg'], 'MB 204 431 584'],
  [['America/Toronto'], 'ON 226 249 289 343 365 382 387 416 437 519 548 613 647 683 705 742 753 905 942'],
  [['America/Toronto', 'America/Winnipeg'], 'ON 807'],
  [['America/Toronto'], 'QC 263 354 438 450 468 514 579 819 873'],
  [['America/Toronto', 'America/Halifax'], 'QC 367 418 581'],
  [['America/Moncton'], 'NB 428 506'],
  [['America/Halifax'], 'NS/PE 782 902'],
  [['America/St_Johns', 'America/Goose_Bay'], 'NL 709 879'],
  [['America/Whitehorse', 'America/Edmonton', 'America/Winnipeg', 'America/Toronto'], 'YT/NT/NU 867'],
];

export const NANP_AREA_ZONES: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, readonly string[]>();
  for (const [zones, spec] of GROUPS) {
    for (const code of spec.match(/\b\d{3}\b/g) ?? []) {
      if (map.has(code)) throw new Error(`area code ${code} listed twice`);
      map.set(code, zones);
    }
  }
  return map;
})();
